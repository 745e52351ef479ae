"""The one source of "now" (through `matchmaker.db.utcnow`), so tests can move time.

Expiry, renewal nudges and digests all depend on the date; a test sets the clock instead of
waiting or patching every module that imported `utcnow`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze time at `moment` (timezone-aware), or let it run again with None."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware datetimes")
    _frozen = moment


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward (freezing it at the real time first if needed)."""
    set_now(now() + delta)
    return now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    previous = _frozen
    set_now(moment)
    try:
        yield
    finally:
        set_now(previous)
