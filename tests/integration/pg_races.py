"""Two writers at once on PostgreSQL, the way the race tests stage them: the first holds its
transaction open (a row lock or a unique key), the second runs in a thread and must wait for
it; then the first commits and the test reads what the second ran into."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def two_sessions(db) -> Iterator[tuple[Session, Session]]:  # type: ignore[no-untyped-def]
    a, b = db.session(), db.session()
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def second_waits(
    a: Session, b: Session, second: Callable[[], object], *, must_wait: bool = True
) -> BaseException | None:
    """Run `second` (which writes through `b`) in a thread and commit `b`; check it is still
    waiting a second later (`a` holds what it needs), commit `a`, and return what `second`
    raised (None when it went through)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            second()
            b.commit()
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread
            b.rollback()
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    if must_wait:
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second writer must wait for the first's lock"
    a.commit()
    thread.join(timeout=30)
    assert len(outcome) == 1
    return outcome[0]
