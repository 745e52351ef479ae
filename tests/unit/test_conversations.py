"""Conversations of a match: who may read and write, messages, attachments, meetings, the
agreement step and the contract, notifications, digests, and quiet threads in the queue."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker import clock, visibility
from matchmaker.conversations import digests, operations, queries
from matchmaker.core.errors import FormInvalid, PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import (
    AuditEntry,
    Conversation,
    MatchState,
    MeetingProposalState,
    Notification,
    OutboxMail,
    Role,
)
from matchmaker.review import pipeline
from matchmaker.review import queue as review_queue
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


class World:
    def __init__(self, session, state: MatchState = MatchState.APPROVED) -> None:  # type: ignore[no-untyped-def]
        self.session = session
        self.researcher = factories.user(session, Role.RESEARCHER)
        self.enterprise = factories.user(session, Role.ENTERPRISE)
        self.staff = factories.user(session, Role.STAFF)
        self.other_researcher = factories.user(session, Role.RESEARCHER)
        self.other_enterprise = factories.user(session, Role.ENTERPRISE)
        self.achievement = factories.achievement(session, self.researcher)
        self.need = factories.need(session, self.enterprise)
        self.match = factories.match(session, self.need, self.achievement, state=state)

    def introduce(self) -> Conversation:
        pipeline.decide(
            self.session,
            self.staff,
            self.match,
            pipeline.Decision(MatchState.INTRODUCED, self.match.version),
        )
        found = operations.find(self.session, "match", self.match.id)
        assert found is not None
        return found


@pytest.fixture
def world(session) -> World:  # type: ignore[no-untyped-def]
    return World(session)


def test_introducing_a_match_opens_its_thread_for_both_parties_and_staff_only(world) -> None:
    assert operations.find(world.session, "match", world.match.id) is None
    s = world.session
    assert not visibility.can_open_subject_thread(s, world.enterprise, "match", world.match.id)
    assert visibility.can_open_subject_thread(s, world.staff, "match", world.match.id)
    with pytest.raises(PermissionDenied):
        operations.open_thread(s, world.researcher, "match", world.match.id)

    thread = world.introduce()
    for user in (world.researcher, world.enterprise, world.staff):
        assert visibility.can_read_conversation(user, thread)
        assert visibility.can_write_conversation(user, thread)
    for user in (world.other_researcher, world.other_enterprise, None):
        assert not visibility.can_read_conversation(user, thread)
        assert not visibility.can_write_conversation(user, thread)
    assert operations.open_thread(s, world.enterprise, "match", world.match.id).id == thread.id


def test_a_dropped_match_keeps_its_thread_readable_but_closed(world) -> None:
    thread = world.introduce()
    pipeline.decide(
        world.session,
        world.staff,
        world.match,
        pipeline.Decision(MatchState.DROPPED, world.match.version, reason="terms"),
    )
    assert visibility.can_read_conversation(world.enterprise, thread)
    assert not visibility.can_write_conversation(world.enterprise, thread)
    with pytest.raises(ValidationFailed) as refused:
        operations.post(world.session, _settings(world), world.enterprise, thread, "还在吗？")
    assert refused.value.code == "conversation_closed"


def _settings(world):  # type: ignore[no-untyped-def]
    from matchmaker import runtime

    return runtime.settings()


def test_messages_notify_the_other_readers_once_per_thread_without_their_text(world) -> None:
    thread = world.introduce()
    settings = _settings(world)
    operations.post(world.session, settings, world.enterprise, thread, "秘密报价 123 万")
    operations.post(world.session, settings, world.enterprise, thread, "第二条")
    notes = world.session.scalars(
        sa.select(Notification).where(Notification.message_key == "conversation_message")
    ).all()
    # the researcher and the staff member who introduced it (assignee); once each
    assert sorted(n.user_id for n in notes) == sorted([world.researcher.id, world.staff.id])
    assert all(n.link == f"/threads/{thread.id}" for n in notes)
    assert not any("秘密" in str(n.params) for n in notes)
    assert world.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0 or all(
        "秘密" not in m.body for m in world.session.scalars(sa.select(OutboxMail))
    )


def test_bad_messages_are_refused_with_every_problem(world) -> None:
    thread = world.introduce()
    settings = _settings(world)
    with pytest.raises(ValidationFailed) as empty:
        operations.post(world.session, settings, world.enterprise, thread, "   ")
    assert empty.value.code == "message_empty"
    with pytest.raises(FormInvalid) as both:
        operations.post(
            world.session,
            settings,
            world.enterprise,
            thread,
            "长" * (operations.BODY_MAX + 1),
            [operations.Upload(b"MZ not a document", "virus.pdf")],
        )
    assert {(p.code, p.field) for p in both.value.problems} == {
        ("too_long", "body"),
        ("unsupported_type", "attachments"),
    }
    with pytest.raises(PermissionDenied):
        operations.post(world.session, settings, world.other_enterprise, thread, "你好")


def test_attachments_follow_the_upload_rules_and_only_readers_download(world) -> None:
    thread = world.introduce()
    settings = _settings(world)
    message = operations.post(
        world.session,
        settings,
        world.researcher,
        thread,
        "",
        [operations.Upload(PDF, "../../技术说明.pdf"), operations.Upload(_docx(), "a.docx")],
    )
    assert [a.original_name for a in message.attachments] == ["技术说明.pdf", "a.docx"]
    first = message.attachments[0]
    assert (settings.upload_dir / "files" / first.storage_key).read_bytes() == PDF
    assert operations.attachment_for(world.session, world.enterprise, first.id) is first
    assert operations.attachment_for(world.session, world.staff, first.id) is first
    assert operations.attachment_for(world.session, world.other_enterprise, first.id) is None
    assert operations.attachment_for(world.session, None, first.id) is None

    too_big = b"%PDF-" + b"0" * settings.upload_max_bytes
    with pytest.raises(ValidationFailed) as refused:
        operations.post(
            world.session,
            settings,
            world.researcher,
            thread,
            "x",
            [operations.Upload(too_big, "b.pdf")],
        )
    assert refused.value.code == "too_large_file" and refused.value.field == "attachments"


def test_staff_write_as_the_association(world) -> None:
    thread = world.introduce()
    message = operations.post(world.session, _settings(world), world.staff, thread, "科协协调")
    assert message.is_from_association
    party = operations.post(world.session, _settings(world), world.enterprise, thread, "收到")
    assert not party.is_from_association


def test_an_accepted_meeting_moves_the_match_to_meeting_through_the_pipeline(world) -> None:
    thread = world.introduce()
    given = operations.MeetingInput(utcnow() + timedelta(days=3), False, "南京市玄武区", "带样品")
    meeting = operations.propose_meeting(world.session, world.enterprise, thread, given)
    # the proposer cannot accept their own proposal, nor can an outsider
    assert not operations.can_answer(world.session, world.enterprise, meeting)
    with pytest.raises(PermissionDenied):
        operations.answer_meeting(world.session, world.enterprise, meeting, True, meeting.version)
    with pytest.raises(PermissionDenied):
        operations.answer_meeting(
            world.session, world.other_researcher, meeting, True, meeting.version
        )
    operations.answer_meeting(world.session, world.researcher, meeting, True, meeting.version)
    assert meeting.state == MeetingProposalState.ACCEPTED
    assert world.match.state == MatchState.MEETING
    assert world.match.events[-1].to_state == MatchState.MEETING
    actions = world.session.scalars(sa.select(AuditEntry.action)).all()
    assert "match.state" in actions and "conversation.meeting_answered" in actions
    # answering twice is a conflict, not a second acceptance
    with pytest.raises(operations.Conflict):
        operations.answer_meeting(world.session, world.researcher, meeting, True, meeting.version)


def test_meeting_proposals_need_a_future_time_and_a_place(world) -> None:
    thread = world.introduce()
    with pytest.raises(FormInvalid) as refused:
        operations.propose_meeting(
            world.session,
            world.researcher,
            thread,
            operations.MeetingInput(utcnow() - timedelta(days=1), True, " ", ""),
        )
    assert {p.field for p in refused.value.problems} == {"starts_at", "place"}


def test_agreement_then_contract_signs_the_match_with_the_pipeline_rules(world) -> None:
    thread = world.introduce()
    s = world.session
    assert not operations.can_report_agreement(s, world.staff, thread)  # parties only
    operations.report_agreement(s, world.researcher, thread)
    assert thread.agreement_reported_at is not None
    notes = s.scalars(
        sa.select(Notification).where(Notification.message_key == "conversation_agreement")
    ).all()
    assert [n.user_id for n in notes] == [world.staff.id]  # the assignee
    with pytest.raises(ValidationFailed):
        operations.report_agreement(s, world.enterprise, thread)  # already reported
    with pytest.raises(PermissionDenied):
        operations.record_contract(s, world.enterprise, thread, world.match.version, "100", None)
    with pytest.raises(ValidationFailed) as bad:
        operations.record_contract(s, world.staff, thread, world.match.version, "很多", None)
    assert bad.value.code == "bad_amount"
    with pytest.raises(pipeline.Conflict):
        operations.record_contract(s, world.staff, thread, world.match.version - 1, "100", None)
    operations.record_contract(
        s, world.staff, thread, world.match.version, "120.5", date(2026, 12, 1)
    )
    assert world.match.state == MatchState.SIGNED
    assert world.match.contract_value == 120.5 and world.match.signed_on == date(2026, 12, 1)


def test_the_digest_mails_readers_once_with_an_unsubscribe_link_per_thread(world) -> None:
    thread = world.introduce()
    settings = _settings(world)
    s = world.session
    operations.post(s, settings, world.enterprise, thread, "第一条消息")
    operations.post(s, settings, world.enterprise, thread, "第二条消息")
    report = digests.run(s, settings)
    mails = [
        m
        for m in s.scalars(
            sa.select(OutboxMail).where(OutboxMail.recipient == world.researcher.email)
        )
        if "/threads/unsubscribe/" in m.body
    ]
    assert len(mails) == 1 and "第一条消息" in mails[0].body and "第二条消息" in mails[0].body
    assert "/threads/unsubscribe/" in mails[0].body
    assert world.enterprise.id not in report.per_user  # never their own messages
    assert digests.run(s, settings).mailed == 0  # nothing twice

    token = mails[0].body.split("/threads/unsubscribe/")[1].split()[0]
    operations.unsubscribe(s, settings, token)
    operations.post(s, settings, world.enterprise, thread, "第三条")
    assert world.researcher.id not in digests.run(s, settings).per_user
    with pytest.raises(ValidationFailed):
        operations.unsubscribe(s, settings, token + "x")


def test_the_digest_never_mails_someone_who_may_no_longer_read(world) -> None:
    thread = world.introduce()
    settings = _settings(world)
    s = world.session
    operations.post(s, settings, world.enterprise, thread, "敏感内容")
    world.achievement.owner = world.other_researcher  # the listing changed hands
    s.flush()
    report = digests.run(s, settings)
    assert world.researcher.id not in report.per_user
    to_them = s.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == world.researcher.email))
    assert all("敏感内容" not in m.body for m in to_them)
    assert report.mailed >= 1  # the others were mailed


def test_reading_marks_the_thread_and_its_notification_read(world) -> None:
    thread = world.introduce()
    operations.post(world.session, _settings(world), world.enterprise, thread, "你好")
    assert queries.unread_counts(world.session, world.researcher, [thread]) == {thread.id: 1}
    operations.mark_read(world.session, world.researcher, thread)
    assert queries.unread_counts(world.session, world.researcher, [thread]) == {}
    unread = world.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == world.researcher.id,
            Notification.message_key == "conversation_message",
            Notification.read_at.is_(None),
        )
    ).all()
    assert unread == []


def test_thread_lists_show_each_person_only_what_they_may_read(world) -> None:
    thread = world.introduce()
    other = World(world.session)  # not introduced: its parties have no thread yet
    assert queries.for_reader(world.session, world.enterprise) == [thread]
    assert queries.for_reader(world.session, world.other_enterprise) == []
    assert queries.for_reader(world.session, other.enterprise) == []
    assert thread in queries.for_reader(world.session, world.staff)


def test_a_thread_quiet_for_seven_days_needs_attention(world) -> None:
    thread = world.introduce()
    operations.post(world.session, _settings(world), world.enterprise, thread, "有人吗？")
    world.session.flush()
    attention = review_queue.QueueFilter(state="attention", sort="newest")

    def listed() -> list[int]:
        return [m.id for m in review_queue.page(world.session, attention, stuck_days=14).matches]

    assert world.match.id not in listed()
    with clock.frozen_at(utcnow() + timedelta(days=8)):
        assert world.match.id in listed()
        assert review_queue.counts_by_tab(world.session, 14)["attention"] >= 1
        page = queries.staff_page(world.session, queries.ThreadFilter(show="quiet"))
        assert [c.id for c in page.items] == [thread.id]
        operations.post(world.session, _settings(world), world.researcher, thread, "在的")
        assert world.match.id not in listed()


def test_the_migration_opens_threads_for_matches_introduced_before_it(tmp_path) -> None:
    from sqlalchemy.orm import Session

    from matchmaker import migrate

    url = f"sqlite:///{tmp_path / 'before.sqlite'}"
    migrate.upgrade(url)  # matches written with today's models, then the schema taken back
    engine = sa.create_engine(url)
    with Session(engine) as s:
        introduced = factories.match(s, state=MatchState.NEGOTIATING).id
        factories.match(s, state=MatchState.APPROVED)
        s.commit()
    engine.dispose()
    migrate.downgrade(url, "0012")  # before conversations existed
    migrate.upgrade(url)
    with Session(engine) as s:
        rows = s.execute(sa.select(Conversation.subject_kind, Conversation.subject_id)).all()
    engine.dispose()
    assert rows == [("match", introduced)]


def test_a_declined_meeting_leaves_the_match_where_it_was(world) -> None:
    thread = world.introduce()
    given = operations.MeetingInput(utcnow() + timedelta(days=1), True, "腾讯会议", "")
    meeting = operations.propose_meeting(world.session, world.staff, thread, given)
    # a proposal of the association may be answered by either party
    assert operations.can_answer(world.session, world.enterprise, meeting)
    assert operations.can_answer(world.session, world.researcher, meeting)
    operations.answer_meeting(world.session, world.enterprise, meeting, False, meeting.version)
    assert meeting.state == MeetingProposalState.DECLINED
    assert world.match.state == MatchState.INTRODUCED
    assert not operations.can_answer(world.session, world.researcher, meeting)


def test_a_notification_about_a_confidential_side_does_not_name_it(session) -> None:
    from matchmaker.models import Visibility
    from matchmaker.notifications.notify import render

    world = World(session)
    world.achievement.visibility = Visibility.CONFIDENTIAL
    thread = world.introduce()
    operations.post(session, _settings(world), world.researcher, thread, "保密方来信")
    note = session.scalar(
        sa.select(Notification).where(
            Notification.user_id == world.enterprise.id,
            Notification.message_key == "conversation_message",
        )
    )
    assert note is not None
    text = render(note.message_key, note.params, "zh")
    assert world.achievement.title not in text and "保密" in text
    assert world.achievement.title not in str(note.params) and "保密方来信" not in text
