"""Roadshow services: event validation, lineup, invitations, registration desk, meetings,
schedule edits, follow-up into the deal pipeline, and the report."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from matchmaker import clock
from matchmaker.core.errors import NotFound, PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import (
    FollowUpIntent,
    Match,
    MatchEvent,
    MatchState,
    MeetingState,
    Notification,
    OutboxMail,
    Registration,
    RegistrationStatus,
    RoadshowState,
    Role,
)
from matchmaker.roadshows import desk as roadshow_desk
from matchmaker.roadshows import events as roadshow_events
from matchmaker.roadshows import followup as roadshow_followup
from matchmaker.roadshows import meetings as roadshow_meetings
from tests import factories


def form(**kw):
    base = {
        "title": "新材料路演",
        "starts_at": datetime(2030, 5, 10, 9, 0),
        "ends_at": datetime(2030, 5, 10, 12, 0),
        "capacity": 50,
        "registration_deadline": datetime(2030, 5, 9, 18, 0),
    }
    base.update(kw)
    return roadshow_events.RoadshowForm(**base)


@pytest.fixture
def staff(session):
    return factories.user(session, Role.STAFF)


def test_create_stores_utc_and_validates(session, staff) -> None:
    roadshow = roadshow_events.create(session, staff, form())
    assert roadshow.starts_at.hour == 1  # 09:00 in Shanghai is 01:00 UTC
    for bad, code in [
        ({"ends_at": datetime(2030, 5, 10, 8, 0)}, "end_before_start"),
        ({"capacity": 0}, "capacity_positive"),
        ({"registration_deadline": datetime(2030, 5, 11, 8, 0)}, "deadline_after_start"),
        ({"title": "  "}, "title_required"),
        ({"starts_at": None}, "bad_datetime"),
        ({"timezone": "Mars/Base"}, "bad_timezone"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            roadshow_events.create(session, staff, form(**bad))
        assert err.value.code == code


def test_only_staff_create(session) -> None:
    researcher = factories.user(session, Role.RESEARCHER)
    with pytest.raises(PermissionDenied):
        roadshow_events.create(session, researcher, form())


@pytest.fixture
def world(session, staff):
    """Three needs, three achievements: A covers needs 1+2, B covers 2, C covers 3."""
    enterprise = factories.user(session, Role.ENTERPRISE, name="甲企业联系人")
    other = factories.user(session, Role.ENTERPRISE)
    needs = [
        factories.need(session, enterprise, title="需求一"),
        factories.need(session, enterprise, title="需求二"),
        factories.need(session, other, title="需求三"),
        factories.need(session, other, title="不相关领域", field="biomedicine"),
    ]
    a = factories.achievement(session, title="成果A")
    b = factories.achievement(session, title="成果B")
    c = factories.achievement(session, title="成果C")
    factories.match(session, needs[0], a, score=0.9)
    factories.match(session, needs[1], a, score=0.8)
    factories.match(session, needs[1], b, score=0.7)
    factories.match(session, needs[2], c, score=0.6)
    factories.match(session, needs[3], b, score=0.99)
    roadshow = factories.roadshow(session, staff, presentation_slots=2, capacity=2)
    return {
        "staff": staff,
        "enterprise": enterprise,
        "other": other,
        "needs": needs,
        "a": a,
        "b": b,
        "c": c,
        "roadshow": roadshow,
    }


def test_lineup_covers_most_needs_and_honours_pins_and_removals(session, world) -> None:
    roadshow, staff = world["roadshow"], world["staff"]
    result = roadshow_events.recommend(session, staff, roadshow)
    chosen = {i.achievement_id for i in roadshow.lineup}
    assert chosen == {world["a"].id, world["c"].id}  # B only repeats need 2
    assert result.needs_covered == 3
    item_a = next(i for i in roadshow.lineup if i.achievement_id == world["a"].id)
    assert sorted(item_a.covered_need_ids) == sorted([world["needs"][0].id, world["needs"][1].id])
    # biomedicine need is outside the theme fields
    assert all(world["needs"][3].id not in i.covered_need_ids for i in roadshow.lineup)

    roadshow_events.set_pinned(session, staff, item_a, True)
    item_c = next(i for i in roadshow.lineup if i.achievement_id == world["c"].id)
    roadshow_events.remove_item(session, staff, item_c)
    chosen = {i.achievement_id for i in roadshow.lineup}
    assert chosen == {world["a"].id, world["b"].id}
    assert next(i for i in roadshow.lineup if i.achievement_id == world["a"].id).is_pinned


def test_invitations_rank_by_covered_needs_and_notify(session, world) -> None:
    roadshow, staff = world["roadshow"], world["staff"]
    roadshow_events.recommend(session, staff, roadshow)
    with pytest.raises(ValidationFailed):
        roadshow_events.send_invitations(session, staff, roadshow)  # not published yet
    roadshow_events.publish(session, staff, roadshow)
    people = roadshow_events.invitees(session, roadshow)
    assert [p.enterprise.id for p in people] == [world["enterprise"].id, world["other"].id]
    assert ("成果A", "需求一") in people[0].reasons
    # the count in the invitation is presentations, not (presentation, need) pairs
    first = people[0]
    assert first.presentations == len({title for title, _need in first.reasons})
    assert first.presentations < len(first.reasons)  # A covers both of its needs
    assert roadshow_events.send_invitations(session, staff, roadshow) == 2
    notes = session.scalars(
        sa.select(Notification).where(Notification.message_key == "roadshow_invitation")
    ).all()
    assert {n.user_id for n in notes} == {world["enterprise"].id, world["other"].id}
    counts = {n.user_id: n.params["count"] for n in notes}
    assert counts == {p.enterprise.id: p.presentations for p in people}
    assert all(n.link == f"/roadshows/{roadshow.id}" for n in notes)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 2
    assert roadshow_events.send_invitations(session, staff, roadshow) == 0  # nobody twice


def seat(session, roadshow, person, **kw):
    """A registration without an account, confirmed through its mailed link."""
    pending = roadshow_desk.register(session, roadshow, person, secret="test-secret", **kw)
    assert pending.status == RegistrationStatus.PENDING
    return roadshow_desk.confirm(session, pending, secret="test-secret")


def applicant(n: int, **kw):
    return roadshow_desk.Applicant(name=f"参会人{n}", email=f"p{n}@example.com", **kw)


@pytest.fixture
def open_roadshow(session, world):
    roadshow = world["roadshow"]
    roadshow_events.recommend(session, world["staff"], roadshow)
    roadshow_events.publish(session, world["staff"], roadshow)
    return roadshow


def test_capacity_waitlist_and_promotion_on_cancel(session, open_roadshow) -> None:
    first = seat(session, open_roadshow, applicant(1))
    second = seat(session, open_roadshow, applicant(2))
    third = seat(session, open_roadshow, applicant(3))
    assert [r.status for r in (first, second, third)] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    ]
    promoted = roadshow_desk.cancel(session, first)
    assert promoted == [third] and third.status == RegistrationStatus.REGISTERED
    assert first.status == RegistrationStatus.CANCELLED
    counts = roadshow_desk.counts(session, open_roadshow)
    assert (counts.registered, counts.waitlisted) == (2, 0)


def test_duplicate_email_is_refused(session, open_roadshow) -> None:
    seat(session, open_roadshow, applicant(1))
    with pytest.raises(ValidationFailed) as err:
        roadshow_desk.register(
            session,
            open_roadshow,
            roadshow_desk.Applicant(name="别人", email="  P1@Example.com "),
        )
    assert err.value.code == "already_registered"


def test_registration_after_the_deadline_or_before_publishing_is_refused(
    session, world, open_roadshow
) -> None:
    open_roadshow.registration_deadline = utcnow() + timedelta(days=1)
    clock.set_now(utcnow() + timedelta(days=2))
    try:
        with pytest.raises(ValidationFailed) as err:
            seat(session, open_roadshow, applicant(1))
        assert err.value.code == "registration_closed"
    finally:
        clock.set_now(None)
    planning = factories.roadshow(session, world["staff"])
    with pytest.raises(ValidationFailed):
        seat(session, planning, applicant(2))


def test_check_in_errors_and_counts(session, world, open_roadshow) -> None:
    staff = world["staff"]
    person = seat(session, open_roadshow, applicant(1))
    waiting = [seat(session, open_roadshow, applicant(n)) for n in (2, 3)][1]
    with clock.frozen_at(open_roadshow.starts_at):  # check-in opens on the event day
        with pytest.raises(ValidationFailed) as err:
            roadshow_desk.check_in(session, staff, open_roadshow, "NOT-A-CODE")
        assert err.value.code == "code_invalid"
        code = person.check_in_code
        lowered = f"{code[:4].lower()}-{code[4:].lower()}"
        assert roadshow_desk.check_in(session, staff, open_roadshow, lowered) is person
        assert roadshow_desk.counts(session, open_roadshow).checked_in == 1
        with pytest.raises(ValidationFailed) as err:
            roadshow_desk.check_in(session, staff, open_roadshow, code)
        assert err.value.code == "already_checked_in"
        with pytest.raises(ValidationFailed) as err:
            roadshow_desk.check_in(session, staff, open_roadshow, waiting.check_in_code)
        assert err.value.code == "registration_waitlisted"
        other = factories.roadshow(session, staff, state=RoadshowState.OPEN)
        with pytest.raises(NotFound):
            roadshow_desk.check_in(session, staff, other, code)


@pytest.fixture
def accepted(session, world, open_roadshow):
    enterprise = world["enterprise"]
    registration = roadshow_desk.register(
        session,
        open_roadshow,
        roadshow_desk.Applicant(name=enterprise.name, email=enterprise.email),
        user=enterprise,
    )
    item_a = next(i for i in open_roadshow.lineup if i.achievement_id == world["a"].id)
    meeting = roadshow_meetings.request_meeting(session, registration, item_a, enterprise)
    assert meeting.match_id is not None
    with pytest.raises(PermissionDenied):
        roadshow_meetings.respond(session, enterprise, meeting, accept=True)
    roadshow_meetings.respond(session, world["a"].owner, meeting, accept=True)
    assert meeting.state == MeetingState.ACCEPTED
    return meeting


def test_meeting_request_rules(session, world, accepted) -> None:
    registration = accepted.registration_id
    from matchmaker.models import Registration

    reg = session.get(Registration, registration)
    item = next(i for i in world["roadshow"].lineup if i.id == accepted.lineup_item_id)
    with pytest.raises(ValidationFailed) as err:
        roadshow_meetings.request_meeting(session, reg, item, world["enterprise"])
    assert err.value.code == "meeting_exists"
    with pytest.raises(PermissionDenied):
        roadshow_meetings.request_meeting(session, reg, item, world["other"])


def test_schedule_generate_move_conflict_and_publish(session, world, accepted) -> None:
    staff, roadshow = world["staff"], world["roadshow"]
    other = world["other"]
    reg = roadshow_desk.register(
        session, roadshow, roadshow_desk.Applicant(name="乙", email=other.email), user=other
    )
    item_a = next(i for i in roadshow.lineup if i.achievement_id == world["a"].id)
    second = roadshow_meetings.request_meeting(session, reg, item_a, other)
    roadshow_meetings.respond(session, world["a"].owner, second, accept=True)
    result = roadshow_meetings.generate(session, staff, roadshow)
    assert result.meetings == 2
    assert accepted.slot_index != second.slot_index  # one presenter, two slots
    # moving the second meeting into the first one's slot puts the presenter in two places
    with pytest.raises(ValidationFailed) as err:
        roadshow_meetings.move(session, staff, second, accepted.slot_index, 2)
    assert err.value.code == "schedule_person_busy"
    free_slot = max(accepted.slot_index, second.slot_index) + 1
    roadshow_meetings.move(session, staff, second, free_slot, 1)
    assert second.slot_index == free_slot
    assert roadshow_meetings.agenda(session, roadshow, other) == []  # not published yet
    assert roadshow_meetings.publish_schedule(session, staff, roadshow) == 2
    assert accepted.state == MeetingState.SCHEDULED
    mine = roadshow_meetings.agenda(session, roadshow, other)
    assert [e.slot.index for e in mine] == [free_slot]
    presenter = roadshow_meetings.agenda(session, roadshow, world["a"].owner)
    assert len(presenter) == 2


@pytest.fixture
def event_day(world):
    """The clock on the roadshow's first day (follow-ups open then, not before)."""
    with clock.frozen_at(world["roadshow"].starts_at + timedelta(hours=3)):
        yield


def test_a_party_cannot_follow_up_before_the_event_or_an_unaccepted_meeting(
    session, world, open_roadshow
) -> None:
    enterprise = world["enterprise"]
    registration = roadshow_desk.register(
        session,
        open_roadshow,
        roadshow_desk.Applicant(name=enterprise.name, email=enterprise.email),
        user=enterprise,
    )
    item_a = next(i for i in open_roadshow.lineup if i.achievement_id == world["a"].id)
    requested = roadshow_meetings.request_meeting(session, registration, item_a, enterprise)
    match = session.get(Match, requested.match_id)
    with clock.frozen_at(open_roadshow.starts_at + timedelta(hours=3)):
        # the attack: a request nobody accepted, "followed up" with a contract
        with pytest.raises(ValidationFailed) as err:
            roadshow_followup.record(
                session, enterprise, requested, FollowUpIntent.CONTRACT, contract_value="9999999"
            )
        assert err.value.code == "meeting_not_held"
        assert not roadshow_followup.may_follow_up(session, enterprise, requested)
    roadshow_meetings.respond(session, world["a"].owner, requested, accept=True)
    with clock.frozen_at(open_roadshow.starts_at - timedelta(days=15)):
        with pytest.raises(ValidationFailed) as err:
            roadshow_followup.record(session, enterprise, requested, FollowUpIntent.TRIAL)
        assert err.value.code == "event_not_started"
    assert match.state == MatchState.PROPOSED
    assert roadshow_followup.report(session, open_roadshow).deals == 0


def test_a_partys_contract_waits_for_staff_then_signs_the_match(
    session, world, accepted, event_day
) -> None:
    staff = world["staff"]
    roadshow_meetings.generate(session, staff, world["roadshow"])
    roadshow_meetings.publish_schedule(session, staff, world["roadshow"])
    with pytest.raises(ValidationFailed) as err:
        roadshow_followup.record(session, world["enterprise"], accepted, FollowUpIntent.CONTRACT)
    assert err.value.code == "contract_value_required"
    with pytest.raises(PermissionDenied):
        roadshow_followup.record(session, world["other"], accepted, FollowUpIntent.TRIAL)
    reported = roadshow_followup.record(
        session, world["enterprise"], accepted, FollowUpIntent.CONTRACT, contract_value="120"
    )
    match = session.get(Match, accepted.match_id)
    # a party's word never approves or signs a match on staff's behalf
    assert match.state == MatchState.PROPOSED and match.contract_value is None
    asked = session.scalars(
        sa.select(Notification).where(Notification.message_key == "roadshow_contract_reported")
    ).all()
    assert [n.user_id for n in asked] == [staff.id]
    assert asked[0].link == f"/roadshows/{world['roadshow'].id}/report#followup-{reported.id}"
    report = roadshow_followup.report(session, world["roadshow"])
    assert (report.deals, report.deals_reported, report.deal_value) == (0, 1, 0.0)
    assert roadshow_followup.contracts_to_confirm(session, world["roadshow"]) == [reported]
    with pytest.raises(PermissionDenied):
        roadshow_followup.confirm_contract(session, world["enterprise"], reported)

    roadshow_followup.confirm_contract(session, staff, reported)
    assert match.state == MatchState.SIGNED and float(match.contract_value) == 120.0
    history = session.scalars(
        sa.select(MatchEvent).where(MatchEvent.match_id == match.id).order_by(MatchEvent.id)
    ).all()
    assert [e.to_state for e in history] == [MatchState.APPROVED, MatchState.SIGNED]
    assert {e.actor_id for e in history} == {staff.id}
    assert accepted.state == MeetingState.HELD
    report = roadshow_followup.report(session, world["roadshow"])
    assert report.deals == 1 and report.deal_value == 120.0 and report.deals_reported == 0
    assert report.meetings_held == 1 and report.intents["contract"] == 1
    assert report.registered == 1
    assert roadshow_followup.contracts_to_confirm(session, world["roadshow"]) == []


def test_more_capacity_promotes_the_waitlist_in_order(session, world, open_roadshow) -> None:
    people = [seat(session, open_roadshow, applicant(n)) for n in range(1, 6)]
    assert [p.status for p in people].count(RegistrationStatus.WAITLISTED) == 3
    zone = open_roadshow.timezone
    edited = form(
        title=open_roadshow.title,
        starts_at=open_roadshow.starts_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
        ends_at=open_roadshow.ends_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
        registration_deadline=None,
        capacity=3,
        presentation_slots=2,
        theme_fields=("new_materials",),
    )
    roadshow_events.update(session, world["staff"], open_roadshow, edited)
    assert [p.status for p in people] == [RegistrationStatus.REGISTERED] * 3 + [
        RegistrationStatus.WAITLISTED
    ] * 2


def test_follow_up_reminders_at_7_and_30_days_once_each(
    session, world, accepted, event_day
) -> None:
    from matchmaker.roadshows import reminders as roadshow_reminders

    staff, roadshow = world["staff"], world["roadshow"]
    roadshow_meetings.generate(session, staff, roadshow)
    roadshow_meetings.publish_schedule(session, staff, roadshow)
    end = roadshow.ends_at
    send = roadshow_reminders.send_followup_reminders
    assert send(session, end + timedelta(days=6)) == 0
    assert send(session, end + timedelta(days=7, hours=1)) == 2  # enterprise and presenter
    assert send(session, end + timedelta(days=8)) == 0  # once per stage
    roadshow_followup.record(session, world["enterprise"], accepted, FollowUpIntent.TRIAL)
    assert send(session, end + timedelta(days=30, hours=1)) == 1  # only the presenter is missing
    reminded = session.scalars(
        sa.select(Notification.user_id).where(
            Notification.message_key == "roadshow_followup_reminder",
            Notification.link.endswith("reminder=30"),
        )
    ).all()
    assert reminded == [world["a"].owner_id]


def test_only_enterprises_request_meetings_and_meetings_start_early(
    session, world, open_roadshow
) -> None:
    researcher = factories.user(session, Role.RESEARCHER)
    reg = roadshow_desk.register(
        session, open_roadshow, roadshow_desk.Applicant("研究员", researcher.email), user=researcher
    )
    item = open_roadshow.lineup[0]
    with pytest.raises(PermissionDenied) as err:
        roadshow_meetings.request_meeting(session, reg, item, researcher)
    assert err.value.code == "enterprises_only"
    enterprise = world["enterprise"]
    mine = roadshow_desk.register(
        session, open_roadshow, roadshow_desk.Applicant("甲", enterprise.email), user=enterprise
    )
    meeting = roadshow_meetings.request_meeting(session, mine, item, enterprise)
    roadshow_meetings.respond(session, item.achievement.owner, meeting, accept=True)
    roadshow_meetings.generate(session, world["staff"], open_roadshow)
    assert meeting.slot_index == 0  # a lone meeting goes first thing, not at a random time


def test_registering_again_after_cancelling_goes_to_the_back(
    session, world, accepted, open_roadshow
) -> None:
    first = session.get(Registration, accepted.registration_id)  # holds a meeting
    second = seat(session, open_roadshow, applicant(2))
    third = seat(session, open_roadshow, applicant(3))
    assert third.status == RegistrationStatus.WAITLISTED
    promoted = roadshow_desk.cancel(session, first)
    assert promoted == [third]
    assert accepted.state == MeetingState.CANCELLED  # the seat's meetings go with it
    told = session.scalars(
        sa.select(Notification.user_id).where(
            Notification.message_key == "roadshow_meeting_cancelled"
        )
    ).all()
    assert told == [world["a"].owner_id]
    again = roadshow_desk.register(
        session,
        open_roadshow,
        roadshow_desk.Applicant(first.name, first.email),
        user=world["enterprise"],
    )
    assert again.id == first.id and again.status == RegistrationStatus.WAITLISTED
    assert second.status == third.status == RegistrationStatus.REGISTERED


def test_registrants_get_their_code_by_mail(session, world, open_roadshow) -> None:
    public = seat(session, open_roadshow, applicant(1))
    enterprise = world["enterprise"]
    roadshow_desk.register(
        session, open_roadshow, roadshow_desk.Applicant("甲", enterprise.email), user=enterprise
    )
    confirm_mail, code_mail = session.scalars(
        sa.select(OutboxMail)
        .where(OutboxMail.recipient == "p1@example.com")
        .order_by(OutboxMail.id)
    ).all()
    assert public.check_in_code[:4] not in confirm_mail.body  # no code before the confirmation
    link = roadshow_desk.ticket_link("test-secret", public)
    assert f"{link}/confirm" in confirm_mail.body
    assert public.check_in_code[:4] in code_mail.body and link in code_mail.body
    assert (
        roadshow_desk.registration_for_token(session, "test-secret", link.rsplit("/", 1)[1])
        == public
    )
    note = session.scalars(
        sa.select(Notification).where(Notification.user_id == enterprise.id)
    ).one()
    assert note.message_key == "roadshow_registered" and "-" in note.params["code"]


def test_nobody_takes_a_seat_with_someone_elses_email(session, world, open_roadshow) -> None:
    """Registering another person's address without an account holds no seat and links to no
    account: the owner of the address signs in and registers normally."""
    enterprise = world["enterprise"]
    squatter = roadshow_desk.register(
        session,
        open_roadshow,
        roadshow_desk.Applicant("冒名者", enterprise.email),
        secret="test-secret",
    )
    assert squatter.status == RegistrationStatus.PENDING
    assert roadshow_desk.counts(session, open_roadshow).registered == 0
    assert roadshow_desk.registration_of(open_roadshow, enterprise) is None
    with pytest.raises(NotFound):
        roadshow_desk.find_by_code(session, open_roadshow, squatter.check_in_code)
    mine = roadshow_desk.register(
        session, open_roadshow, roadshow_desk.Applicant("甲", enterprise.email), user=enterprise
    )
    assert mine.id == squatter.id and mine.user_id == enterprise.id and mine.name == "甲"
    assert mine.status == RegistrationStatus.REGISTERED
    assert roadshow_desk.registration_of(open_roadshow, enterprise) == mine


def test_an_anonymous_waitlisted_person_is_mailed_when_a_seat_opens(
    session, world, open_roadshow
) -> None:
    open_roadshow.capacity = 1
    first = seat(session, open_roadshow, applicant(1))
    waiting = seat(session, open_roadshow, applicant(2))
    assert waiting.status == RegistrationStatus.WAITLISTED
    roadshow_desk.cancel(session, first, secret="test-secret")
    assert waiting.status == RegistrationStatus.REGISTERED
    last = session.scalars(
        sa.select(OutboxMail)
        .where(OutboxMail.recipient == "p2@example.com")
        .order_by(OutboxMail.id.desc())
    ).first()
    assert roadshow_desk.ticket_link("test-secret", waiting) in last.body
    assert "有空位" in last.subject + last.body


# --- issue 19: workflow defects found by new users ------------------------------------------


def _audit(session, action):
    from matchmaker.models import AuditEntry

    return session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def _day_start(roadshow):
    """Midnight of the event's first day in its own zone (Shanghai by default)."""
    zone = ZoneInfo(roadshow.timezone)
    local = roadshow.starts_at.astimezone(zone)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)


def test_start_finish_and_check_in_wait_for_the_event_day(session, world, open_roadshow) -> None:
    staff = world["staff"]
    person = seat(session, open_roadshow, applicant(1))
    day = _day_start(open_roadshow)
    with clock.frozen_at(day - timedelta(minutes=1)):
        with pytest.raises(ValidationFailed) as err:
            roadshow_events.set_state(session, staff, open_roadshow, RoadshowState.RUNNING)
        assert err.value.code == "before_event_day"
        with pytest.raises(ValidationFailed) as err:
            roadshow_desk.check_in(session, staff, open_roadshow, person.check_in_code)
        assert err.value.code == "before_event_day"
    assert open_roadshow.state == RoadshowState.OPEN
    assert roadshow_desk.counts(session, open_roadshow).checked_in == 0
    # midnight in Shanghai is still the day before in UTC: the event's zone decides
    with clock.frozen_at(day + timedelta(minutes=1)):
        assert utcnow().astimezone(ZoneInfo("UTC")).date() < day.date()
        roadshow_events.set_state(session, staff, open_roadshow, RoadshowState.RUNNING)
        roadshow_desk.check_in(session, staff, open_roadshow, person.check_in_code)
        roadshow_events.set_state(session, staff, open_roadshow, RoadshowState.DONE)
    assert roadshow_desk.counts(session, open_roadshow).checked_in == 1
    assert "override" not in _audit(session, "roadshow.checked_in").data


def test_staff_may_override_the_event_day_and_the_audit_log_says_so(
    session, world, open_roadshow
) -> None:
    staff = world["staff"]
    person = seat(session, open_roadshow, applicant(1))
    with clock.frozen_at(open_roadshow.starts_at - timedelta(days=15)):
        roadshow_desk.check_in(session, staff, open_roadshow, person.check_in_code, override=True)
        roadshow_events.set_state(
            session, staff, open_roadshow, RoadshowState.RUNNING, override=True
        )
        with pytest.raises(ValidationFailed):
            roadshow_events.set_state(session, staff, open_roadshow, RoadshowState.DONE)
    assert open_roadshow.state == RoadshowState.RUNNING
    checked = _audit(session, "roadshow.checked_in")
    assert checked.data["override"] is True and checked.actor_id == staff.id
    assert _audit(session, "roadshow.state").data["override"] is True


def test_one_rule_decides_the_registration_state(session, world) -> None:
    staff, roadshow = world["staff"], world["roadshow"]
    state = roadshow_desk.registration_state
    roadshow_events.recommend(session, staff, roadshow)
    assert state(roadshow) == roadshow_desk.RegistrationState.NOT_YET_OPEN
    with pytest.raises(ValidationFailed) as err:
        seat(session, roadshow, applicant(1))
    assert err.value.code == "registration_not_open"
    roadshow_events.publish(session, staff, roadshow)
    assert state(roadshow) == roadshow_desk.RegistrationState.OPEN
    seat(session, roadshow, applicant(1))
    seat(session, roadshow, applicant(2))  # capacity 2
    assert state(roadshow) == roadshow_desk.RegistrationState.FULL
    assert seat(session, roadshow, applicant(3)).status == RegistrationStatus.WAITLISTED
    roadshow.registration_deadline = utcnow() + timedelta(days=1)
    with clock.frozen_at(utcnow() + timedelta(days=2)):
        assert state(roadshow) == roadshow_desk.RegistrationState.CLOSED
        with pytest.raises(ValidationFailed) as err:
            seat(session, roadshow, applicant(4))
        assert err.value.code == "registration_closed"


def test_invitation_counts_distinct_presented_achievements_in_both_languages(
    session, world, open_roadshow
) -> None:
    enterprise = world["enterprise"]
    enterprise.locale = "en"
    extra = factories.need(session, enterprise, title="需求四")
    factories.match(session, extra, world["a"], score=0.9)
    factories.match(session, extra, world["c"], score=0.9)
    item_a = next(i for i in open_roadshow.lineup if i.achievement_id == world["a"].id)
    item_c = next(i for i in open_roadshow.lineup if i.achievement_id == world["c"].id)
    item_a.covered_need_ids = [*item_a.covered_need_ids, extra.id]
    item_c.covered_need_ids = [*item_c.covered_need_ids, extra.id]
    roadshow_events.send_invitations(session, world["staff"], open_roadshow)
    mails = {
        m.recipient: m.body for m in session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id))
    }
    # four pairs (A–1, A–2, A–4, C–4), two presented achievements
    assert "Presented achievements that fit your needs: 2." in mails[enterprise.email]
    assert "本场有 1 项成果与您的技术需求相关" in mails[world["other"].email]
    people = roadshow_events.invitees(session, open_roadshow)
    assert all(p.invited for p in people)


def test_a_contract_note_names_the_roadshow_and_is_dated_in_the_event_zone(
    session, world, accepted
) -> None:
    from datetime import date

    staff, roadshow = world["staff"], world["roadshow"]
    roadshow_meetings.generate(session, staff, roadshow)
    roadshow_meetings.publish_schedule(session, staff, roadshow)
    day = _day_start(roadshow)
    # 00:30 in Shanghai on the event day is 16:30 UTC on the day before
    with clock.frozen_at(day + timedelta(minutes=30)):
        roadshow_followup.record(
            session, staff, accepted, FollowUpIntent.CONTRACT, contract_value="50"
        )
    match = session.get(Match, accepted.match_id)
    assert match.signed_on == date(day.year, day.month, day.day)
    notes = session.scalars(sa.select(MatchEvent.note).where(MatchEvent.match_id == match.id))
    assert set(notes) == {f"[roadshow_followup] 《{roadshow.title}》"}


def test_meetings_start_after_the_presentations(session, world, open_roadshow) -> None:
    roadshow = open_roadshow
    first = roadshow_meetings.slots(roadshow)[0]
    block = timedelta(minutes=roadshow_meetings.PRESENTATION_MINUTES * roadshow.presentation_slots)
    assert first.start == roadshow.starts_at + block
    roadshow.meetings_start_at = roadshow.starts_at + timedelta(minutes=100)
    assert roadshow_meetings.slots(roadshow)[0].start == roadshow.starts_at + timedelta(minutes=100)


def test_a_schedule_conflict_names_who_and_which_table(session, world, accepted) -> None:
    staff, roadshow = world["staff"], world["roadshow"]
    other = world["other"]
    reg = roadshow_desk.register(
        session, roadshow, roadshow_desk.Applicant(name="乙", email=other.email), user=other
    )
    item_a = next(i for i in roadshow.lineup if i.achievement_id == world["a"].id)
    second = roadshow_meetings.request_meeting(session, reg, item_a, other)
    roadshow_meetings.respond(session, world["a"].owner, second, accept=True)
    roadshow_meetings.generate(session, staff, roadshow)
    with pytest.raises(ValidationFailed) as err:
        roadshow_meetings.move(session, staff, second, accepted.slot_index, 2)
    assert err.value.code == "schedule_person_busy"
    assert err.value.params["who"] == world["a"].owner.name
    assert err.value.params["table"] == accepted.table_number
    assert world["enterprise"].name in err.value.params["other"]
    with pytest.raises(ValidationFailed) as err:
        roadshow_meetings.move(session, staff, second, accepted.slot_index, accepted.table_number)
    assert err.value.params["table"] == accepted.table_number


def test_a_removed_item_stays_out_when_the_recommendation_runs_again(session, world) -> None:
    staff, roadshow = world["staff"], world["roadshow"]
    roadshow_events.recommend(session, staff, roadshow)
    item_c = next(i for i in roadshow.lineup if i.achievement_id == world["c"].id)
    roadshow_events.remove_item(session, staff, item_c)
    roadshow_events.recommend(session, staff, roadshow)
    assert world["c"].id not in {i.achievement_id for i in roadshow.lineup}
    assert roadshow.lineup_removed == [world["c"].id]
    roadshow_events.restore_item(session, staff, roadshow, world["c"].id)
    roadshow_events.recommend(session, staff, roadshow)
    assert world["c"].id in {i.achievement_id for i in roadshow.lineup}


def test_a_published_lineup_changes_only_in_an_edit_step_and_people_hear_of_it(
    session, world, open_roadshow
) -> None:
    staff, roadshow = world["staff"], open_roadshow
    enterprise = world["enterprise"]
    roadshow_desk.register(
        session, roadshow, roadshow_desk.Applicant("甲", enterprise.email), user=enterprise
    )
    public = seat(session, roadshow, applicant(1))
    roadshow_events.send_invitations(session, staff, roadshow)
    item_c = next(i for i in roadshow.lineup if i.achievement_id == world["c"].id)
    for action in (
        lambda: roadshow_events.recommend(session, staff, roadshow),
        lambda: roadshow_events.remove_item(session, staff, item_c),
    ):
        with pytest.raises(ValidationFailed) as err:
            action()
        assert err.value.code == "lineup_locked"
    roadshow_events.begin_lineup_edit(session, staff, roadshow)
    roadshow_events.remove_item(session, staff, item_c)
    assert roadshow_events.finish_lineup_edit(session, staff, roadshow) is True
    told = session.scalars(
        sa.select(Notification).where(Notification.message_key == "roadshow_lineup_changed")
    ).all()
    # the registrant with an account and both invited enterprises, once each
    assert sorted(n.user_id for n in told) == sorted({enterprise.id, world["other"].id})
    assert all(n.params["removed"] == 1 and n.params["added"] == 1 for n in told)
    mailed = session.scalars(
        sa.select(OutboxMail).where(OutboxMail.recipient == public.email).order_by(OutboxMail.id)
    ).all()
    assert "路演项目有调整" in mailed[-1].body
    with pytest.raises(ValidationFailed):
        roadshow_events.recommend(session, staff, roadshow)  # locked again
