"""The reader's notifications: the list, the unread count, marking read; the outbox page.

Reading is a change (the badge goes down), so it is an operation on a POST with an audit entry,
never a side effect of showing the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.db import count_rows, utcnow
from matchmaker.models import Notification, OutboxMail, User

LIST_LIMIT = 100


def latest(session: Session, user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """The user's newest notifications, newest first."""
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: User) -> int:
    """How many of the user's notifications are unread (the bell's badge)."""
    return count_rows(
        session, Notification, Notification.user_id == user.id, Notification.read_at.is_(None)
    )


def owned(session: Session, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications, or None."""
    note = session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user.id else None


def mark_read(session: Session, user: User, ids: Iterable[int]) -> int:
    """Mark those of `ids` that are the user's and unread as read; returns how many."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.id.in_(wanted),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    marked = cast(CursorResult[Any], result).rowcount
    if marked:
        audit.record(session, user, "notifications.read", "user", user.id, count=marked)
    return int(marked or 0)


def has_unread(session: Session, user: User, key: str, link: str) -> bool:
    """Whether the user still has an unread notification of this kind pointing there (a
    busy thread then adds no second one)."""
    return bool(
        count_rows(
            session,
            Notification,
            Notification.user_id == user.id,
            Notification.message_key == key,
            Notification.link == link,
            Notification.read_at.is_(None),
        )
    )


def mark_read_at_link(session: Session, user: User, link: str) -> int:
    """Opening what a notification points to reads it: no audit entry, the page was seen."""
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.link == link,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def outbox(session: Session, limit: int = 200) -> list[OutboxMail]:
    """The newest mails of the development outbox."""
    return list(session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
