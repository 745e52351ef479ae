"""Sign-in throttling: too many failed attempts for one account, or from one address, within a
window make further attempts wait (a correct password included), which turns password guessing
into hours of work while a person who mistyped waits minutes at most.

Failures live in the database, so every web process sees the same counts. An attempt is
counted (and committed) *before* the password is checked, then the count is read: parallel
attempts each see the others, so no burst gets more tries than the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.models import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5  # a person who forgot the password
MAX_PER_ADDRESS = 30  # one office behind one address, or one machine trying many accounts


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: timedelta = timedelta(0)


def _key(email: str) -> str:
    return email.strip().lower()[:254]


def _wait(session: Session, column: sa.ColumnElement[bool], limit: int, now: datetime) -> timedelta:
    """How long until the oldest failure that keeps the count at `limit` leaves the window."""
    recent = session.scalars(
        sa.select(LoginFailure.at)
        .where(column, LoginFailure.at > now - WINDOW)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return timedelta(0)
    return max(recent[-1] + WINDOW - now, timedelta(seconds=1))


def begin(session: Session, email: str, address: str) -> Verdict:
    """Count a sign-in attempt, then decide whether it may check a password. The attempt stays
    recorded as a failure unless `clear` follows a correct password; a refused attempt is
    taken back (waiting must not make the wait longer). Commits."""
    now = utcnow()
    attempt = LoginFailure(email=_key(email), address=address[:45], at=now)
    session.add(attempt)
    # the table only needs the window: old rows go whenever someone tries again
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - 2 * WINDOW))
    session.commit()
    wait = max(
        _wait(session, LoginFailure.email == _key(email), MAX_PER_ACCOUNT + 1, now),
        _wait(session, LoginFailure.address == address[:45], MAX_PER_ADDRESS + 1, now),
    )
    if wait > timedelta(0):
        session.delete(attempt)
        session.commit()
        return Verdict(False, wait)
    return Verdict(True)


def clear(session: Session, email: str) -> None:
    """A successful sign-in forgets the account's failures (not the address's)."""
    session.execute(sa.delete(LoginFailure).where(LoginFailure.email == _key(email)))
