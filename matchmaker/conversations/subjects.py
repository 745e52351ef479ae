"""The subjects a conversation can hang off, one small adapter per kind.

A subject kind answers: who are the two parties and may they read / write yet
(`visibility.register_conversation_subject`), what the thread is about for a reader, and what
the thread's steps do to it (an accepted meeting, a recorded contract). Matches are the first
kind; another feature (an accepted interest request) registers its own the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.core.errors import ValidationFailed
from matchmaker.models import (
    MATCH_SUBJECT,
    Achievement,
    Conversation,
    ExpertProfile,
    Match,
    MatchEvent,
    MatchState,
    Need,
    User,
)
from matchmaker.review import pipeline

MATCH = MATCH_SUBJECT
# the parties talk from the introduction on; after signing they may still write
MATCH_READABLE = (
    MatchState.INTRODUCED,
    MatchState.MEETING,
    MatchState.NEGOTIATING,
    MatchState.SIGNED,
)


def _was_introduced(match: Match) -> bool:
    return any(e.to_state in MATCH_READABLE for e in match.events)


def supply_side(match: Match) -> Any:
    """The side that answers the need: its achievement, or the expert (an expert match)."""
    return match.achievement if match.achievement is not None else match.expert


def supply_owner_id(match: Match) -> int | None:
    if match.achievement is not None:
        return match.achievement.owner_id
    return match.expert.user_id if match.expert is not None else None


def match_parties(session: Session, match_id: int) -> visibility.Parties | None:
    match = session.get(Match, match_id)
    if match is None:
        return None
    owners = {match.need.owner_id, supply_owner_id(match)} - {None}
    readable = match.state in MATCH_READABLE or (
        match.state == MatchState.DROPPED and _was_introduced(match)
    )
    return visibility.Parties(
        user_ids=frozenset(int(o) for o in owners if o is not None),
        is_readable=readable,
        is_writable=match.state in MATCH_READABLE,
    )


visibility.register_conversation_subject(MATCH, match_parties)


def match_of(session: Session, conversation: Conversation) -> Match | None:
    if conversation.subject_kind != MATCH:
        return None
    return session.get(Match, conversation.subject_id)


def readable_match_ids(user: User) -> sa.Select[Any]:
    """Ids of the matches whose thread `user` may read as a party."""
    return sa.select(Match.id).where(
        Match.state.in_(MATCH_READABLE)
        | (
            (Match.state == MatchState.DROPPED)
            & sa.exists().where(
                MatchEvent.match_id == Match.id, MatchEvent.to_state.in_(MATCH_READABLE)
            )
        ),
        sa.or_(
            Match.need_id.in_(sa.select(Need.id).where(Need.owner_id == user.id)),
            Match.achievement_id.in_(
                sa.select(Achievement.id).where(Achievement.owner_id == user.id)
            ),
            Match.expert_id.in_(
                sa.select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)
            ),
        ),
    )


@dataclass(frozen=True)
class Topic:
    """What a thread is about, as one reader may see it."""

    mine: Any | None  # the reader's own listing (None for staff)
    other: Any | None  # the other side's listing
    need: Any | None
    achievement: Any | None
    state: MatchState | None
    match: Match | None
    listing: Any | None = None  # a subject about one listing (an interest request): that listing


@dataclass(frozen=True)
class SubjectKind:
    """What the thread pages and lists ask of a subject kind other than matches; a feature
    registers it beside its `visibility.register_conversation_subject` resolver."""

    topic: Callable[[Session, int, User], Topic]  # (session, subject id, reader)
    readable_ids: Callable[[User], sa.Select[Any]]  # ids of the subjects `user` may read


_KINDS: dict[str, SubjectKind] = {}


def register_kind(kind: str, adapter: SubjectKind) -> None:
    _KINDS[kind] = adapter


def other_kinds() -> dict[str, SubjectKind]:
    """The registered kinds besides matches."""
    return dict(_KINDS)


def topic(session: Session, conversation: Conversation, reader: User) -> Topic:
    match = match_of(session, conversation)
    if match is None:
        adapter = _KINDS.get(conversation.subject_kind)
        if adapter is not None:
            return adapter.topic(session, conversation.subject_id, reader)
        return Topic(None, None, None, None, None, None)
    mine: Any
    other: Any
    if match.need.owner_id == reader.id:
        mine, other = match.need, supply_side(match)
    elif supply_owner_id(match) == reader.id:
        mine, other = supply_side(match), match.need
    else:
        mine, other = None, None
    return Topic(mine, other, match.need, match.achievement, match.state, match)


def about_for(session: Session, conversation: Conversation, reader: User) -> Any | None:
    """The listing a notification to `reader` names (its title only if they may see it); an
    expert match names the need; an interest thread its listing."""
    t = topic(session, conversation, reader)
    if isinstance(t.other, Achievement | Need):
        return t.other
    return t.listing if t.listing is not None else t.need


# --- steps of the thread that change the subject ---------------------------------------------


def meeting_accepted(session: Session, actor: User, conversation: Conversation, note: str) -> bool:
    """An accepted meeting moves a match still before "meeting" there, through the pipeline's
    one state change; returns whether it moved."""
    match = match_of(session, conversation)
    if match is None or MatchState.MEETING not in pipeline.allowed_targets(match.state):
        return False
    pipeline.transition(session, actor, match, MatchState.MEETING, note, via="conversation")
    session.flush()
    return True


def can_report_agreement(session: Session, conversation: Conversation) -> bool:
    match = match_of(session, conversation)
    return match is not None and MatchState.SIGNED in pipeline.allowed_targets(match.state)


def record_contract(
    session: Session,
    actor: User,
    conversation: Conversation,
    expected_version: int,
    contract_value: str | float | None,
    signed_on: date | None,
) -> Match:
    """Staff record the contract: the pipeline's own signed step, with its validations and its
    version check."""
    match = match_of(session, conversation)
    if match is None:
        raise ValidationFailed("transition_not_allowed")
    pipeline.decide(
        session,
        actor,
        match,
        pipeline.Decision(
            target=MatchState.SIGNED,
            expected_version=expected_version,
            contract_value=contract_value,
            signed_on=signed_on,
            note=None,
        ),
    )
    return match


# --- a thread for every match that is introduced -----------------------------------------------


@event.listens_for(Session, "before_flush")
def _open_threads_on_introduction(session: Session, _context: Any, _instances: Any) -> None:
    """A match entering the parties' stages gets its thread in the same flush, whichever
    operation moved it (staff decision, roadshow contract), so thread lists are complete."""
    wanted = {
        e.match.id
        for e in session.new
        if isinstance(e, MatchEvent)
        and e.to_state in MATCH_READABLE
        and e.from_state not in MATCH_READABLE
        and e.match is not None
        and e.match.id is not None
    }
    if not wanted:
        return
    existing = set(
        session.scalars(
            sa.select(Conversation.subject_id).where(
                Conversation.subject_kind == MATCH, Conversation.subject_id.in_(wanted)
            )
        )
    )
    pending = {
        c.subject_id for c in session.new if isinstance(c, Conversation) and c.subject_kind == MATCH
    }
    for match_id in sorted(wanted - existing - pending):
        session.add(Conversation(subject_kind=MATCH, subject_id=match_id))


@dataclass(frozen=True)
class Author:
    side: str  # "need", "achievement" or "association"
    name: str | None  # None: the reader may not know who it is (a confidential side)


def author_for(
    session: Session, conversation: Conversation, author: User, is_association: bool, reader: User
) -> Author:
    """How a message's author is shown to `reader`: the association for staff; a party by
    side, and by name only when the reader may see that party's listing (a confidential
    side stays anonymous, as on the match page)."""
    if is_association:
        return Author("association", None)
    match = match_of(session, conversation)
    if match is None:
        listing = topic(session, conversation, reader).listing
        if listing is None:
            return Author("association" if author.is_staff else "need", author.name)
        if listing.owner_id != author.id:  # the requester, who asked by name
            return Author("need" if listing.kind == "achievement" else "achievement", author.name)
        shown = reader.is_staff or reader.id == author.id or visibility.can_see(reader, listing)
        return Author(listing.kind, author.name if shown else None)
    if match.need.owner_id != author.id and match.achievement is None:
        return Author("achievement", author.name)  # an expert is introduced by name
    side, listing = (
        ("need", match.need)
        if match.need.owner_id == author.id
        else ("achievement", match.achievement)
    )
    shown = reader.is_staff or reader.id == author.id or visibility.can_see(reader, listing)
    return Author(side, author.name if shown else None)
