"""The one commit-or-explain step of a view that changes something.

    with committing(_("Saved.")) as outcome:
        listings.update(session, current_user, listing, fields)
    if outcome.ok:
        return redirect(...)

An operation that refuses (OperationError) rolls the request's session back and flashes the
reason in the reader's language; anything else commits, and flashes `success` if given.
Other exceptions propagate (a bug is a 500, not a message).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from matchmaker.core.errors import OperationError
from web import db
from web.messages import message_for


@dataclass
class Outcome:
    ok: bool = False
    error: OperationError | None = None


@contextmanager
def committing(
    success: str | None = None, *, flash_error: bool = True, fields_shown: bool = False
) -> Iterator[Outcome]:
    """`fields_shown`: the page shows each field's problem beside the field and in its summary,
    so only problems that belong to no field are flashed (one message, not the same one thrice)."""
    outcome = Outcome()
    session = db.session()
    try:
        yield outcome
    except OperationError as exc:
        session.rollback()
        outcome.error = exc
        if flash_error:
            for problem in getattr(exc, "problems", None) or [exc]:
                if not (fields_shown and getattr(problem, "field", None)):
                    flash(message_for(problem), "error")
        return
    session.commit()
    outcome.ok = True
    if success:
        flash(success, "success")
