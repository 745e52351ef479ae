"""After a roadshow: follow-up intents, contracts into the deal pipeline, and the event report.

A follow-up with intent `contract` and a value moves the match of the meeting's (need,
achievement) pair forward to `signed`, the way `matchmaker.review.pipeline` moves it: only
forward, each step written to the match history and the audit log. A rejected, dropped or
already signed match is left alone. Without a match for the pair, one is created (approved, then
signed) so the deal counts on the review dashboard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import (
    FollowUp,
    FollowUpIntent,
    LineupItem,
    Match,
    MatchEvent,
    MatchState,
    Meeting,
    MeetingState,
    Need,
    Registration,
    RegistrationStatus,
    Roadshow,
    User,
)
from matchmaker.review.pipeline import OPEN_PIPELINE, _clean_note, _contract_value

ROADSHOW_NOTE = "roadshow:"


@dataclass(frozen=True)
class Report:
    registered: int
    waitlisted: int
    cancelled: int
    attended: int
    meetings_requested: int
    meetings_accepted: int
    meetings_held: int
    intents: dict[str, int] = field(default_factory=dict)
    deals: int = 0
    deal_value: float = 0.0


def may_follow_up(session: Session, user: User, meeting: Meeting) -> bool:
    if user.is_staff:
        return True
    registration = session.get(Registration, meeting.registration_id)
    item = session.get(LineupItem, meeting.lineup_item_id)
    return (registration is not None and registration.user_id == user.id) or (
        item is not None and item.achievement.owner_id == user.id
    )


def record(
    session: Session,
    actor: User,
    meeting: Meeting,
    intent: FollowUpIntent,
    contract_value: str | float | None = None,
    note: str | None = None,
) -> FollowUp:
    if not may_follow_up(session, actor, meeting):
        raise PermissionDenied("not_owner")
    text = _clean_note(note)
    value = _contract_value(contract_value)
    if intent == FollowUpIntent.CONTRACT and value is None:
        raise ValidationFailed("contract_value_required", field="contract_value")
    followup = FollowUp(
        roadshow_id=meeting.roadshow_id,
        meeting_id=meeting.id,
        user_id=actor.id,
        intent=intent,
        contract_value=value if intent == FollowUpIntent.CONTRACT else None,
        note=text,
    )
    session.add(followup)
    if meeting.state == MeetingState.SCHEDULED:
        meeting.state = MeetingState.HELD  # a follow-up means the meeting took place
    if intent == FollowUpIntent.CONTRACT and value is not None:
        _sign(session, actor, meeting, value)
    audit.record(session, actor, "roadshow.followup", "meeting", meeting.id, intent=str(intent))
    session.flush()
    return followup


def _pair(session: Session, meeting: Meeting) -> tuple[Need | None, int]:
    item = session.get(LineupItem, meeting.lineup_item_id)
    registration = session.get(Registration, meeting.registration_id)
    assert item is not None and registration is not None
    if meeting.match_id is not None:
        match = session.get(Match, meeting.match_id)
        if match is not None:
            return match.need, item.achievement_id
    need = None
    if registration.user_id is not None:
        need = session.scalar(
            sa.select(Need)
            .where(
                Need.owner_id == registration.user_id, Need.id.in_(item.covered_need_ids or [-1])
            )
            .order_by(Need.id)
            .limit(1)
        )
    return need, item.achievement_id


def _step(session: Session, actor: User, match: Match, target: MatchState, note: str) -> None:
    previous = match.state
    now = utcnow()
    match.state = target
    match.state_changed_at = now
    if previous == MatchState.PROPOSED and match.first_decided_at is None:
        match.first_decided_at = now
    session.add(
        MatchEvent(match=match, actor_id=actor.id, from_state=previous, to_state=target, note=note)
    )
    audit.record(
        session,
        actor,
        "match.state",
        "match",
        match.id,
        **{"from": str(previous), "to": str(target), "note": note},
    )


def _sign(session: Session, actor: User, meeting: Meeting, value: Decimal) -> Match | None:
    need, achievement_id = _pair(session, meeting)
    if need is None:
        return None
    note = f"{ROADSHOW_NOTE}{meeting.roadshow_id}"
    match = session.scalar(
        sa.select(Match).where(Match.need_id == need.id, Match.achievement_id == achievement_id)
    )
    if match is None:
        match = Match(
            need_id=need.id,
            achievement_id=achievement_id,
            score=0.0,
            components={},
            explanation={"source": "roadshow"},
            state=MatchState.APPROVED,
        )
        session.add(match)
        session.flush()
        session.add(
            MatchEvent(
                match=match,
                actor_id=actor.id,
                from_state=None,
                to_state=MatchState.APPROVED,
                note=note,
            )
        )
    if match.state == MatchState.PROPOSED:
        _step(session, actor, match, MatchState.APPROVED, note)
    if match.state not in OPEN_PIPELINE:
        return None  # rejected, dropped or already signed: never moved back
    match.contract_value = value  # type: ignore[assignment]
    match.signed_on = date.today()
    _step(session, actor, match, MatchState.SIGNED, note)
    meeting.match_id = match.id
    session.flush()
    return match


def report(session: Session, roadshow: Roadshow) -> Report:
    statuses = Counter(
        dict(
            session.execute(
                sa.select(Registration.status, sa.func.count())
                .where(Registration.roadshow_id == roadshow.id)
                .group_by(Registration.status)
            ).all()
        )
    )
    attended = session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.roadshow_id == roadshow.id, Registration.checked_in_at.is_not(None))
    )
    states = Counter(
        dict(
            session.execute(
                sa.select(Meeting.state, sa.func.count())
                .where(Meeting.roadshow_id == roadshow.id)
                .group_by(Meeting.state)
            ).all()
        )
    )
    followups = list(
        session.scalars(sa.select(FollowUp).where(FollowUp.roadshow_id == roadshow.id))
    )
    # one intent per meeting: the latest recorded
    latest: dict[int | None, FollowUp] = {}
    for f in sorted(followups, key=lambda f: f.id):
        latest[f.meeting_id] = f
    intents = Counter(str(f.intent) for f in latest.values())
    contracts = [f for f in latest.values() if f.intent == FollowUpIntent.CONTRACT]
    return Report(
        registered=statuses[RegistrationStatus.REGISTERED],
        waitlisted=statuses[RegistrationStatus.WAITLISTED],
        cancelled=statuses[RegistrationStatus.CANCELLED],
        attended=attended or 0,
        meetings_requested=sum(states.values()),
        meetings_accepted=states[MeetingState.ACCEPTED]
        + states[MeetingState.SCHEDULED]
        + states[MeetingState.HELD],
        meetings_held=states[MeetingState.HELD],
        intents={i.value: intents[i.value] for i in FollowUpIntent},
        deals=len(contracts),
        deal_value=float(sum((f.contract_value or 0) for f in contracts)),
    )
