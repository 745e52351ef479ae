"""Staff decisions and the deal pipeline: transitions, reasons, history, audit, conflicts."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.models import AuditEntry, MatchEvent, MatchState, Notification, Role
from matchmaker.review import pipeline
from tests import factories


def decide(session, actor, match, target, **kw):
    version = kw.pop("version", match.version)
    return pipeline.decide(session, actor, match, pipeline.Decision(target, version, **kw))


@pytest.fixture
def staff(session):
    return factories.user(session, Role.STAFF, name="王芳")


def test_approval_records_history_audit_first_decision_and_assignee(session, staff) -> None:
    match = factories.match(session)
    decide(session, staff, match, MatchState.APPROVED, note="看起来很合适")
    session.commit()
    assert match.state == MatchState.APPROVED
    assert match.first_decided_at is not None and match.assignee_id == staff.id
    event = session.scalars(sa.select(MatchEvent).where(MatchEvent.match_id == match.id)).one()
    assert (event.from_state, event.to_state, event.actor_id) == (
        MatchState.PROPOSED,
        MatchState.APPROVED,
        staff.id,
    )
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "match.state")).one()
    assert audit.data["from"] == "proposed" and audit.data["to"] == "approved"
    assert audit.data["note"] == "看起来很合适" and audit.actor_id == staff.id


def test_rejection_needs_a_known_reason_and_other_needs_a_note(session, staff) -> None:
    match = factories.match(session)
    with pytest.raises(ValidationFailed) as missing:
        decide(session, staff, match, MatchState.REJECTED)
    assert missing.value.code == "reason_required"
    with pytest.raises(ValidationFailed) as other:
        decide(session, staff, match, MatchState.REJECTED, reason="other")
    assert other.value.code == "note_required_for_other"
    assert match.state == MatchState.PROPOSED
    decide(session, staff, match, MatchState.REJECTED, reason="trl_too_low", note="只有样机")
    assert (match.state, match.reject_reason, match.reject_note) == (
        MatchState.REJECTED,
        "trl_too_low",
        "只有样机",
    )
    assert pipeline.allowed_targets(match.state) == ()


def test_pipeline_moves_forward_only_and_signing_needs_a_contract_value(session, staff) -> None:
    match = factories.match(session)
    with pytest.raises(ValidationFailed):
        decide(session, staff, match, MatchState.SIGNED, contract_value="100")
    decide(session, staff, match, MatchState.APPROVED)
    decide(session, staff, match, MatchState.INTRODUCED)
    # a pair that already met and talks terms may skip the meeting stage
    decide(session, staff, match, MatchState.NEGOTIATING)
    with pytest.raises(ValidationFailed):
        decide(session, staff, match, MatchState.MEETING)
    for bad in ("", "abc", "-5", "1e12"):
        with pytest.raises(ValidationFailed):
            decide(session, staff, match, MatchState.SIGNED, contract_value=bad)
    decide(
        session,
        staff,
        match,
        MatchState.SIGNED,
        contract_value="1,250.5",
        signed_on=date(2026, 11, 20),
    )
    session.commit()
    assert match.state == MatchState.SIGNED
    assert float(match.contract_value) == 1250.5 and match.signed_on == date(2026, 11, 20)
    states = [e.to_state for e in match.events]
    assert states[-4:] == [
        MatchState.APPROVED,
        MatchState.INTRODUCED,
        MatchState.NEGOTIATING,
        MatchState.SIGNED,
    ]


def test_dropping_needs_a_reason(session, staff) -> None:
    match = factories.match(session, state=MatchState.MEETING)
    with pytest.raises(ValidationFailed):
        decide(session, staff, match, MatchState.DROPPED, reason="weird")
    decide(session, staff, match, MatchState.DROPPED, reason="terms")
    assert match.state == MatchState.DROPPED and match.drop_reason == "terms"


def test_introduction_notifies_both_parties(session, staff) -> None:
    match = factories.match(session, state=MatchState.APPROVED)
    decide(session, staff, match, MatchState.INTRODUCED)
    session.commit()
    told = set(session.scalars(sa.select(Notification.user_id)))
    assert told == {match.need.owner_id, match.achievement.owner_id}


def test_only_staff_decide(session) -> None:
    match = factories.match(session)
    researcher = match.achievement.owner
    with pytest.raises(PermissionDenied):
        decide(session, researcher, match, MatchState.APPROVED)
    with pytest.raises(PermissionDenied):
        pipeline.add_note(session, researcher, match, "hi")
    assert match.state == MatchState.PROPOSED


def test_a_stale_version_is_a_conflict_and_changes_nothing(session, staff) -> None:
    match = factories.match(session)
    seen = match.version
    decide(session, staff, match, MatchState.APPROVED)
    session.commit()
    with pytest.raises(pipeline.Conflict):
        decide(session, staff, match, MatchState.REJECTED, reason="other", note="x", version=seen)
    assert match.state == MatchState.APPROVED


def test_two_sessions_deciding_at_once_second_write_is_refused(database, session, staff) -> None:
    match = factories.match(session)
    session.commit()
    first, second = database.session(), database.session()
    try:
        mine = first.get(type(match), match.id)
        theirs = second.get(type(match), match.id)
        actor_1, actor_2 = first.get(type(staff), staff.id), second.get(type(staff), staff.id)
        decide(first, actor_1, mine, MatchState.APPROVED)
        first.commit()
        # the second saw the same version; its UPDATE finds the row already changed
        with pytest.raises(pipeline.Conflict):
            decide(second, actor_2, theirs, MatchState.REJECTED, reason="field_mismatch")
        second.rollback()
    finally:
        first.close()
        second.close()
    session.expire_all()
    assert session.get(type(match), match.id).state == MatchState.APPROVED


def test_assign_only_to_active_staff_and_the_assignee_is_told(session, staff) -> None:
    match = factories.match(session)
    colleague = factories.user(session, Role.STAFF, name="李雷")
    with pytest.raises(ValidationFailed):
        pipeline.assign(session, staff, match, match.need.owner, match.version)
    pipeline.assign(session, staff, match, colleague, match.version)
    session.commit()
    assert match.assignee_id == colleague.id
    assert match.events[-1].note == f"assign:{colleague.id}"
    note = session.scalars(sa.select(Notification)).one()
    assert note.user_id == colleague.id and note.message_key == "match_assigned"


def test_notes_are_history_and_empty_or_huge_notes_are_refused(session, staff) -> None:
    match = factories.match(session)
    with pytest.raises(ValidationFailed):
        pipeline.add_note(session, staff, match, "   ")
    with pytest.raises(ValidationFailed):
        pipeline.add_note(session, staff, match, "x" * (pipeline.NOTE_MAX + 1))
    pipeline.add_note(session, staff, match, "<script>alert(1)</script> 企业下周回复")
    assert match.events[-1].note.endswith("企业下周回复") and match.state == MatchState.PROPOSED


def test_time_to_decide_starts_at_creation(session, staff) -> None:
    match = factories.match(session)
    match.created_at = match.created_at - timedelta(hours=5)
    decide(session, staff, match, MatchState.APPROVED)
    assert (match.first_decided_at - match.created_at) >= timedelta(hours=5)
