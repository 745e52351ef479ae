"""What the two parties see of their matches, and their answer to an introduction."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.listings import pages as listing_pages
from matchmaker.models import (
    APPROVED_MATCH_STATES,
    Achievement,
    ExpertProfile,
    Match,
    MatchState,
    Need,
    Role,
    User,
)
from matchmaker.notifications import notify

RESPONSES = ("interested", "declined")


def _party_condition(user: User) -> sa.ColumnElement[bool] | None:
    if user.role == Role.RESEARCHER:
        # their achievements' matches, and the matches of their expert profile
        return sa.or_(
            Match.achievement_id.in_(
                sa.select(Achievement.id).where(Achievement.owner_id == user.id)
            ),
            Match.expert_id.in_(
                sa.select(ExpertProfile.id).where(ExpertProfile.user_id == user.id)
            ),
        )
    if user.role == Role.ENTERPRISE:
        return Match.need_id.in_(sa.select(Need.id).where(Need.owner_id == user.id))
    return None


def for_party(session: Session, user: User) -> list[Match]:
    """Approved matches of this researcher's achievements or this enterprise's needs."""
    condition = _party_condition(user)
    if condition is None:
        return []
    return list(
        session.scalars(
            sa.select(Match)
            .where(condition, Match.state.in_(APPROVED_MATCH_STATES))
            .order_by(Match.score.desc(), Match.id)
        )
    )


@dataclass(frozen=True)
class MatchPage:
    items: list[Match]
    next_cursor: str | None


def page(
    session: Session,
    user: User,
    *,
    limit: int,
    cursor: str | None = None,
    state: MatchState | None = None,
) -> MatchPage:
    """Newest first in keyset pages (the cursor of listing_pages): every match for staff, the
    approved matches of their own listings for researchers and enterprises (as for_party)."""
    if not 1 <= limit <= listing_pages.MAX_LIMIT:
        raise ValidationFailed("bad_limit", field="limit")
    stmt = sa.select(Match)
    if not user.is_staff:
        condition = _party_condition(user)
        if condition is None:
            return MatchPage([], None)
        stmt = stmt.where(condition, Match.state.in_(APPROVED_MATCH_STATES))
    if state is not None:
        stmt = stmt.where(Match.state == state)
    if cursor:
        stmt = stmt.where(Match.id < listing_pages.decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(Match.id.desc()).limit(limit + 1)))
    items = rows[:limit]
    more = len(rows) > limit
    return MatchPage(items, listing_pages.encode_cursor(items[-1].id) if more else None)


def party_of(user: User, match: Match) -> str | None:
    if match.achievement is not None and match.achievement.owner_id == user.id:
        return "achievement"
    if match.expert is not None and match.expert.user_id == user.id:
        return "expert"
    if match.need.owner_id == user.id:
        return "need"
    return None


def latest_response(match: Match, side: str) -> str | None:
    prefix = f"{side}:"
    for event in reversed(match.events):
        if event.note and event.note.startswith(prefix):
            return event.note.removeprefix(prefix)
    return None


# a party's answer still changes something only while the deal is open
ANSWERABLE = tuple(s for s in APPROVED_MATCH_STATES if s != MatchState.SIGNED)


def can_respond(match: Match) -> bool:
    return match.state in ANSWERABLE


def respond(session: Session, actor: User, match: Match, response: str) -> None:
    """A party says whether it wants to meet the other side (recorded in the match history)."""
    side = party_of(actor, match)
    if side is None or match.state not in APPROVED_MATCH_STATES:
        raise PermissionDenied("not_owner")
    if not can_respond(match):
        raise ValidationFailed("transition_not_allowed")
    if response not in RESPONSES:
        raise ValidationFailed("bad_response")
    session.add(match.record(actor, f"{side}:{response}"))
    audit.record(session, actor, "match.responded", "match", match.id, response=response)
    if match.assignee is not None:
        notify.notify(
            session,
            match.assignee,
            "match_response",
            f"/review/matches/{match.id}",
            about=match.need,
            response=response,
        )
    session.flush()
