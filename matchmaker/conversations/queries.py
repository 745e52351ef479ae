"""Lists of conversations: the threads a person may read, and the staff overview with filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.conversations import subjects
from matchmaker.core.errors import ValidationFailed
from matchmaker.core.numbers import whole_number
from matchmaker.listings import pages as listing_pages
from matchmaker.models import Conversation, ConversationReader, Match, MatchState, Message, User
from matchmaker.review.pipeline import OPEN_PIPELINE
from matchmaker.review.queue import QUIET_DAYS as QUIET_DAYS
from matchmaker.review.queue import quiet_before

STAFF_FILTERS = ("all", "quiet", "agreement", "open", "signed")
PAGE_SIZE = 50


@dataclass(frozen=True)
class ThreadFilter:
    show: str = "all"
    q: str | None = None  # a match id
    after: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> ThreadFilter:
        show = (params.get("show") or "all").strip()
        return cls(
            show=show if show in STAFF_FILTERS else "all",
            q=(params.get("q") or "").strip()[:20] or None,
            after=whole_number(params.get("after") or "", maximum=2**31 - 1),
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        current = replace(self, **changes)
        return {k: v for k, v in current.__dict__.items() if v not in (None, "", "all")}


def _match_join(stmt: sa.Select[Any]) -> sa.Select[Any]:
    # an outer join: threads of other subjects (interest requests) are in "all"; the pipeline
    # filters keep to matches
    return stmt.outerjoin(
        Match,
        sa.and_(Conversation.subject_kind == subjects.MATCH, Conversation.subject_id == Match.id),
    )


def readable_select(user: User) -> sa.Select[Any]:
    """Every thread `user` may read: all for staff; for a party, the threads of their matches
    (and of the other registered subjects) that are open to them (the same rule as
    visibility.can_read_conversation)."""
    stmt = sa.select(Conversation)
    if user.is_staff:
        return stmt
    kinds = {subjects.MATCH: subjects.readable_match_ids(user)} | {
        kind: adapter.readable_ids(user) for kind, adapter in subjects.other_kinds().items()
    }
    return stmt.where(
        sa.or_(
            *(
                sa.and_(Conversation.subject_kind == kind, Conversation.subject_id.in_(ids))
                for kind, ids in kinds.items()
            )
        )
    )


def _newest_first(stmt: sa.Select[Any]) -> sa.Select[Any]:
    activity = sa.func.coalesce(Conversation.last_message_at, Conversation.created_at)
    return stmt.order_by(activity.desc(), Conversation.id.desc())


@dataclass
class ThreadPage:
    items: list[Conversation]
    next_after: int | None


def for_reader(session: Session, user: User, limit: int = PAGE_SIZE) -> list[Conversation]:
    """The reader's threads, most recently active first."""
    return list(session.scalars(_newest_first(readable_select(user)).limit(limit)))


def staff_page(session: Session, f: ThreadFilter, size: int = PAGE_SIZE) -> ThreadPage:
    """Every thread for staff, filtered: quiet for 7 days, agreement reported (contract to
    record), still open, signed; or one match by id. Newest id first, keyset pages."""
    stmt = _match_join(sa.select(Conversation))
    if f.show == "quiet":
        stmt = stmt.where(
            Match.state.in_(OPEN_PIPELINE), Conversation.last_message_at < quiet_before()
        )
    elif f.show == "agreement":
        stmt = stmt.where(
            Conversation.agreement_reported_at.is_not(None), Match.state != MatchState.SIGNED
        )
    elif f.show == "open":
        stmt = stmt.where(Match.state.in_(OPEN_PIPELINE))
    elif f.show == "signed":
        stmt = stmt.where(Match.state == MatchState.SIGNED)
    if f.q and (number := whole_number(f.q.lstrip("#"), maximum=2**31 - 1)) is not None:
        stmt = stmt.where(Match.id == number)
    if f.after:
        stmt = stmt.where(Conversation.id < f.after)
    rows = list(session.scalars(stmt.order_by(Conversation.id.desc()).limit(size + 1)))
    more = len(rows) > size
    items = rows[:size]
    return ThreadPage(items, items[-1].id if more and items else None)


def unread_counts(session: Session, user: User, threads: list[Conversation]) -> dict[int, int]:
    """Messages of others the user has not read yet, per thread."""
    if not threads:
        return {}
    ids = [t.id for t in threads]
    last_read = sa.func.coalesce(
        sa.select(ConversationReader.last_read_message_id)
        .where(
            ConversationReader.conversation_id == Message.conversation_id,
            ConversationReader.user_id == user.id,
        )
        .scalar_subquery(),
        0,
    )
    rows = session.execute(
        sa.select(Message.conversation_id, sa.func.count())
        .where(
            Message.conversation_id.in_(ids),
            Message.author_id != user.id,
            Message.id > last_read,
        )
        .group_by(Message.conversation_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows}


@dataclass(frozen=True)
class MessagePage:
    items: list[Message]
    next_cursor: str | None


def messages_page(
    session: Session, conversation: Conversation, *, limit: int, cursor: str | None = None
) -> MessagePage:
    """Messages oldest first, in keyset pages (for the API)."""
    if not 1 <= limit <= listing_pages.MAX_LIMIT:
        raise ValidationFailed("bad_limit", field="limit")
    stmt = sa.select(Message).where(Message.conversation_id == conversation.id)
    if cursor:
        stmt = stmt.where(Message.id > listing_pages.decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(Message.id).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return MessagePage(items, listing_pages.encode_cursor(items[-1].id) if more else None)


def readable_page(
    session: Session, user: User, *, limit: int, cursor: str | None = None
) -> tuple[list[Conversation], str | None]:
    """Threads the user may read, newest id first, in keyset pages (for the API)."""
    if not 1 <= limit <= listing_pages.MAX_LIMIT:
        raise ValidationFailed("bad_limit", field="limit")
    stmt = readable_select(user)
    if cursor:
        stmt = stmt.where(Conversation.id < listing_pages.decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(Conversation.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return items, (listing_pages.encode_cursor(items[-1].id) if more else None)
