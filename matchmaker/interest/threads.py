"""The conversation (洽谈记录) of an interest request: once access is granted, the requester,
the listing's owner and staff share a thread, as the parties of an introduced match do.

Importing this module registers the "interest" subject kind with `matchmaker.visibility`
(who may read and write) and with `matchmaker.conversations.subjects` (what the thread is
about); `matchmaker.runtime` and `requests` import it, so it is registered wherever threads
are read or opened. Both parties read and write it while the request is granted with an active
grant; a revocation closes it to the requester at once and leaves it read-only to the owner
(staff keep it). Tied to a match (`deals`), it becomes that match's thread.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.conversations import operations, subjects
from matchmaker.interest.listings import about_listings_of, load_listing
from matchmaker.models import (
    AccessGrant,
    Achievement,
    Conversation,
    InterestRequest,
    InterestState,
    Need,
    User,
)

INTEREST = "interest"


def _listing(session: Session, request: InterestRequest) -> visibility.Listing | None:
    return load_listing(session, request.listing_kind, request.listing_id)


def _active_grant(request_id: Any) -> sa.Exists:
    return sa.exists().where(AccessGrant.request_id == request_id, AccessGrant.revoked_at.is_(None))


def parties(session: Session, request_id: int) -> visibility.Parties | None:
    """The requester and the listing's owner, once access is granted (an active grant). After
    a revocation the owner keeps reading the history, read-only; the requester no longer
    reads it (it may hold what was opened to them)."""
    request = session.get(InterestRequest, request_id)
    if request is None:
        return None
    listing = _listing(session, request)
    if listing is None:
        return None
    if request.state == InterestState.REVOKED:
        return visibility.Parties(
            user_ids=frozenset({listing.owner_id}), is_readable=True, is_writable=False
        )
    granted = request.state == InterestState.GRANTED and bool(
        session.scalar(sa.select(_active_grant(request.id)))
    )
    return visibility.Parties(
        user_ids=frozenset({request.requester_id, listing.owner_id}),
        is_readable=granted,
        is_writable=granted,
    )


def topic(session: Session, request_id: int, reader: User) -> subjects.Topic:
    """For the owner the listing is theirs (`mine`); for the requester it is the other side's."""
    request = session.get(InterestRequest, request_id)
    listing = _listing(session, request) if request is not None else None
    if request is None or listing is None:
        return subjects.Topic(None, None, None, None, None, None)
    mine = listing if listing.owner_id == reader.id else None
    other = listing if request.requester_id == reader.id and mine is None else None
    return subjects.Topic(
        mine=mine,
        other=other,
        need=listing if isinstance(listing, Need) else None,
        achievement=listing if isinstance(listing, Achievement) else None,
        state=None,
        match=None,
        listing=listing,
    )


def readable_ids(user: User) -> sa.Select[Any]:
    """Ids of the requests whose thread `user` may read as a party (as `parties` decides)."""
    owned = about_listings_of(user)
    granted = sa.and_(
        InterestRequest.state == InterestState.GRANTED,
        _active_grant(InterestRequest.id),
        sa.or_(InterestRequest.requester_id == user.id, owned),
    )
    revoked = sa.and_(InterestRequest.state == InterestState.REVOKED, owned)
    return sa.select(InterestRequest.id).where(sa.or_(granted, revoked))


visibility.register_conversation_subject(INTEREST, parties)
subjects.register_kind(INTEREST, subjects.SubjectKind(topic=topic, readable_ids=readable_ids))


def find(session: Session, request: InterestRequest) -> Conversation | None:
    return operations.find(session, INTEREST, request.id)


def open_for(session: Session, actor: User | None, request: InterestRequest) -> Conversation:
    """The request's thread, opened when access is granted (by whoever granted it; the
    requester where no person did)."""
    session.flush()
    return operations.open_thread(session, actor or request.requester, INTEREST, request.id)
