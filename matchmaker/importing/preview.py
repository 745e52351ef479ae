"""The preview step every bulk import shares: read the file in a bounded child process,
validate each row, and keep the job row with what will be imported and why the rest will not.
Nothing but the job row is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from matchmaker.core import bounded, jobs
from matchmaker.core.errors import ValidationFailed
from matchmaker.importing.achievements import RowResult
from matchmaker.importing.tables import TableError, read_table
from matchmaker.models import Job, User

Validate = Callable[[list[dict[str, str]]], tuple[list[RowResult], list[str]]]


def preview_job(
    session: Session,
    actor: User,
    kind: str,
    data: bytes,
    filename: str,
    validate: Validate,
    name_column: str,
    **params: Any,
) -> Job:
    """Raises TableError for a file that cannot be read, ValidationFailed when it has no rows.
    `name_column` labels each refused row in the report (its title, or a person's name)."""
    try:
        table = bounded.call(read_table, data)
    except bounded.TooSlow as exc:
        raise TableError(exc.code) from None
    results, unknown = validate(table)
    if not results:
        raise ValidationFailed("no_rows")
    ok = [{"row": r.number, **r.values} for r in results if r.ok]
    failed = [
        {
            "row": r.number,
            name_column: r.values.get(name_column, ""),
            "errors": [list(e) for e in r.errors],
            "bad": r.bad,
        }
        for r in results
        if not r.ok
    ]
    return jobs.create(
        session,
        kind,
        actor=actor,
        total=len(ok),
        filename=filename[:200],
        rows=ok,
        failed=failed,
        unknown_columns=unknown,
        confirmed=False,
        **params,
    )
