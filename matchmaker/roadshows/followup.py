"""After a roadshow: follow-up intents, contracts into the deal pipeline, and the event report.

Only a meeting that was accepted (or scheduled, or held) can be followed up, and only from the
event's day on: a request nobody accepted, or a meeting that has not happened, has no outcome.

A party's follow-up records what they say, nothing more: a reported contract asks staff to
confirm it (notification to the match's assignee, or to all staff). Staff confirming a contract
(or recording one themselves) moves the match of the meeting's (need, achievement) pair forward
to `signed` through `review.pipeline.transition`: only forward, each step in the match history
and the audit log. A rejected, dropped or already signed match is left alone. Without a match
for the pair, staff create one (approved, then signed) so the deal counts on the dashboard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.accounts import operations as accounts
from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.models import (
    FollowUp,
    FollowUpIntent,
    LineupItem,
    Match,
    MatchState,
    Meeting,
    MeetingState,
    Need,
    Registration,
    RegistrationStatus,
    Roadshow,
    User,
)
from matchmaker.notifications import notify
from matchmaker.review import pipeline
from matchmaker.review.pipeline import OPEN_PIPELINE, clean_note, contract_value_of
from matchmaker.roadshows.calendar import event_day_reached, local_date

# the match history note of a contract signed after a roadshow: "[reason] text", whose reason
# the history translates at display ("Contract after the roadshow: 《title》")
ROADSHOW_NOTE = "[roadshow_followup] 《{title}》"


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
    deals: int = 0  # contracts staff confirmed (the match is signed)
    deal_value: float = 0.0
    deals_reported: int = 0  # contracts parties reported, waiting for staff to confirm


# a meeting someone agreed to: the only kind that can have an outcome
FOLLOWABLE = (MeetingState.ACCEPTED, MeetingState.SCHEDULED, MeetingState.HELD)


def is_party(session: Session, user: User, meeting: Meeting) -> bool:
    if user.is_staff:
        return True
    registration = session.get(Registration, meeting.registration_id)
    item = session.get(LineupItem, meeting.lineup_item_id)
    return (registration is not None and registration.user_id == user.id) or (
        item is not None and item.achievement.owner_id == user.id
    )


def may_follow_up(session: Session, user: User, meeting: Meeting) -> bool:
    """A party (or staff) of a meeting that was agreed to, from the event's day on."""
    roadshow = session.get(Roadshow, meeting.roadshow_id)
    return (
        is_party(session, user, meeting)
        and meeting.state in FOLLOWABLE
        and roadshow is not None
        and event_day_reached(roadshow)
    )


def record(
    session: Session,
    actor: User,
    meeting: Meeting,
    intent: FollowUpIntent,
    contract_value: str | float | None = None,
    note: str | None = None,
) -> FollowUp:
    if not is_party(session, actor, meeting):
        raise PermissionDenied("not_owner")
    if meeting.state not in FOLLOWABLE:
        raise ValidationFailed("meeting_not_held")
    roadshow = session.get(Roadshow, meeting.roadshow_id)
    if roadshow is None or not event_day_reached(roadshow):
        raise ValidationFailed("event_not_started")
    text = clean_note(note)
    value = contract_value_of(contract_value)
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
    session.flush()
    if intent == FollowUpIntent.CONTRACT and value is not None:
        if actor.is_staff:
            _sign(session, actor, meeting, value)
        else:
            _ask_staff_to_confirm(session, roadshow, meeting, followup)
    audit.record(session, actor, "roadshow.followup", "meeting", meeting.id, intent=str(intent))
    session.flush()
    return followup


def _ask_staff_to_confirm(
    session: Session, roadshow: Roadshow, meeting: Meeting, followup: FollowUp
) -> None:
    need, achievement_id = _pair(session, meeting)
    match = (
        session.scalar(
            sa.select(Match).where(Match.need_id == need.id, Match.achievement_id == achievement_id)
        )
        if need is not None
        else None
    )
    staff = [match.assignee] if match is not None and match.assignee is not None else []
    for person in staff or accounts.active_staff(session):
        notify.notify(
            session,
            person,
            "roadshow_contract_reported",
            f"/roadshows/{roadshow.id}/report#followup-{followup.id}",
            title=roadshow.title,
        )


def confirm_contract(session: Session, actor: User, followup: FollowUp) -> Match | None:
    """Staff confirm a contract a party reported: the pair's match moves to signed."""
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    if followup.intent != FollowUpIntent.CONTRACT or followup.contract_value is None:
        raise ValidationFailed("transition_not_allowed")
    meeting = session.get(Meeting, followup.meeting_id)
    if meeting is None:
        raise ValidationFailed("transition_not_allowed")
    match = _sign(session, actor, meeting, Decimal(str(followup.contract_value)))
    if match is None:
        raise ValidationFailed("contract_without_match")
    audit.record(session, actor, "roadshow.contract_confirmed", "followup", followup.id)
    session.flush()
    return match


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


def _sign(session: Session, actor: User, meeting: Meeting, value: Decimal) -> Match | None:
    need, achievement_id = _pair(session, meeting)
    if need is None:
        return None
    roadshow = session.get(Roadshow, meeting.roadshow_id)
    assert roadshow is not None
    note = ROADSHOW_NOTE.format(title=roadshow.title)
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
        )
        session.add(match)
        pipeline.transition(session, actor, match, MatchState.APPROVED, note)
        session.flush()
    if match.state == MatchState.PROPOSED:
        pipeline.transition(session, actor, match, MatchState.APPROVED, note)
    if match.state not in OPEN_PIPELINE:
        return None  # rejected, dropped or already signed: never moved back
    match.contract_value = value  # type: ignore[assignment]
    match.signed_on = local_date(roadshow)  # the day it is where the event took place
    pipeline.transition(session, actor, match, MatchState.SIGNED, note)
    meeting.match_id = match.id
    session.flush()
    return match


def _latest_per_meeting(session: Session, roadshow: Roadshow) -> list[FollowUp]:
    """One intent per meeting: the latest recorded."""
    followups = session.scalars(
        sa.select(FollowUp).where(FollowUp.roadshow_id == roadshow.id).order_by(FollowUp.id)
    )
    latest: dict[int | None, FollowUp] = {}
    for f in followups:
        latest[f.meeting_id] = f
    return list(latest.values())


def _signed_meetings(session: Session, roadshow: Roadshow) -> set[int]:
    return set(
        session.scalars(
            sa.select(Meeting.id)
            .join(Match, Match.id == Meeting.match_id)
            .where(Meeting.roadshow_id == roadshow.id, Match.state == MatchState.SIGNED)
        )
    )


def contracts_to_confirm(session: Session, roadshow: Roadshow) -> list[FollowUp]:
    """Contracts the parties reported that staff have not confirmed yet."""
    signed = _signed_meetings(session, roadshow)
    return [
        f
        for f in _latest_per_meeting(session, roadshow)
        if f.intent == FollowUpIntent.CONTRACT and f.meeting_id not in signed
    ]


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
    latest = _latest_per_meeting(session, roadshow)
    intents = Counter(str(f.intent) for f in latest)
    contracts = [f for f in latest if f.intent == FollowUpIntent.CONTRACT]
    signed_meetings = _signed_meetings(session, roadshow)
    confirmed = [f for f in contracts if f.meeting_id in signed_meetings]
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
        deals=len(confirmed),
        deal_value=float(sum((f.contract_value or 0) for f in confirmed)),
        deals_reported=len(contracts) - len(confirmed),
    )
