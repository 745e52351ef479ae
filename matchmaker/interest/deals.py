"""An interest request that becomes a cooperation (从意向到签约).

Access granted, the requester ties the request to one of their own listings of the other side
(the need an achievement answers, or the achievement that answers a need). That pair becomes a
match in the pipeline, already introduced (the owner accepted the request), so the thread's
meeting, "we reached agreement" and contract steps move it like any other match, to 已签约.

The request's conversation becomes the match's (its history kept) unless the pair was
introduced before and has a thread of its own: then the request points there. Either way there
is one place where the deal is followed.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.conversations import operations
from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.interest import threads
from matchmaker.interest.listings import MODELS, Listing, listing_of
from matchmaker.interest.requests import lock
from matchmaker.models import (
    MATCH_SUBJECT,
    Achievement,
    Conversation,
    InterestRequest,
    InterestState,
    ListingState,
    Match,
    MatchState,
    Need,
    User,
)
from matchmaker.review import pipeline

NOTE = "interest:{id}"  # the pipeline history says where the match came from
# a pair in one of these states cannot be taken up again from a request
CLOSED = (MatchState.REJECTED, MatchState.DROPPED, MatchState.SIGNED)


def _other_kind(request: InterestRequest) -> str:
    return "need" if request.listing_kind == "achievement" else "achievement"


def choices(session: Session, request: InterestRequest) -> list[Listing]:
    """The requester's own published listings of the other side: what the request can be tied
    to. Those the matcher already paired with the requested listing come first, the strongest
    first (the likely answer is preselected), then the newest."""
    model = MODELS[_other_kind(request)]
    found = list(
        session.scalars(
            sa.select(model)
            .where(model.owner_id == request.requester_id, model.state == ListingState.PUBLISHED)
            .order_by(model.id.desc())
        )
    )
    if request.listing_kind == "achievement":
        paired = sa.select(Match.need_id, Match.score).where(
            Match.achievement_id == request.listing_id, Match.need_id.in_([f.id for f in found])
        )
    else:
        paired = sa.select(Match.achievement_id, Match.score).where(
            Match.need_id == request.listing_id, Match.achievement_id.in_([f.id for f in found])
        )
    scores = {listing_id: float(score) for listing_id, score in session.execute(paired)}
    return sorted(found, key=lambda f: (f.id not in scores, -scores.get(f.id, 0.0)))


def _granted(session: Session, request: InterestRequest) -> bool:
    parties = threads.parties(session, request.id)
    return parties is not None and parties.is_readable


def can_tie(session: Session, user: User | None, request: InterestRequest) -> bool:
    """The requester (or staff) while access is granted and the request is not tied yet."""
    return (
        user is not None
        and (user.is_staff or user.id == request.requester_id)
        and request.match_id is None
        and request.state == InterestState.GRANTED
        and _granted(session, request)
    )


def _pair(request: InterestRequest, listing: Listing, own: Listing) -> tuple[Need, Achievement]:
    if isinstance(listing, Achievement):
        assert isinstance(own, Need)
        return own, listing
    assert isinstance(own, Achievement) and isinstance(listing, Need)
    return listing, own


def _find_match(session: Session, need: Need, achievement: Achievement) -> Match | None:
    return session.scalar(
        sa.select(Match).where(Match.need_id == need.id, Match.achievement_id == achievement.id)
    )


def _thread_of(session: Session, match: Match) -> Conversation | None:
    return operations.find(session, MATCH_SUBJECT, match.id)


def tie(session: Session, actor: User, request: InterestRequest, own_listing_id: int) -> Match:
    """Tie the request to `own_listing_id` (one of `choices`): find or make the pair's match,
    move it to "introduced" through the pipeline, and carry the request's thread over. The
    request's row is locked first: a second tie (a double click, two tabs) waits and is then
    refused as already tied."""
    request = lock(session, request)
    if not can_tie(session, actor, request):
        if actor.is_staff or actor.id == request.requester_id:
            raise ValidationFailed("interest_not_tieable")
        raise PermissionDenied("not_a_party")
    own = next((c for c in choices(session, request) if c.id == own_listing_id), None)
    if own is None:
        raise ValidationFailed("choose_own_listing", field="own_listing")
    listing = listing_of(session, request)
    need, achievement = _pair(request, listing, own)
    note = NOTE.format(id=request.id)
    match = _find_match(session, need, achievement)
    if match is not None and match.state in CLOSED:
        raise ValidationFailed("pair_closed", field="own_listing")
    if match is None:
        match = Match(
            need_id=need.id,
            achievement_id=achievement.id,
            score=0.0,
            components={},
            explanation={"source": "interest", "request": request.id},
        )
        session.add(match)
        session.flush()
    if match.state == MatchState.PROPOSED:
        pipeline.transition(session, actor, match, MatchState.APPROVED, note)
    if match.state == MatchState.APPROVED:
        # the request's thread becomes the match's before the match opens one of its own
        if _thread_of(session, match) is None:
            conversation = threads.find(session, request)
            if conversation is not None:
                conversation.subject_kind = MATCH_SUBJECT
                conversation.subject_id = match.id
                session.flush()
        pipeline.transition(session, actor, match, MatchState.INTRODUCED, note)
    request.match_id = match.id
    session.flush()
    audit.record(
        session,
        actor,
        "interest.tied",
        "interest_request",
        request.id,
        match=match.id,
        own_listing=f"{own.kind}:{own.id}",
    )
    return match


def deal_thread(session: Session, request: InterestRequest) -> Conversation | None:
    """The thread of the match the request is tied to (None before it is tied)."""
    match = session.get(Match, request.match_id) if request.match_id is not None else None
    return _thread_of(session, match) if match is not None else None


def thread_for(session: Session, request: InterestRequest) -> Conversation | None:
    """Where the request's conversation lives: its own thread, or its match's once it was
    carried over."""
    return threads.find(session, request) or deal_thread(session, request)
