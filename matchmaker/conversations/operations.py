"""What people do in a conversation: open it, write, attach files, propose and answer
meetings, report an agreement; staff record the contract.

Every operation takes the acting user, asks `matchmaker.visibility` whether they may, flushes,
writes the audit log and tells the other readers in the app (e-mails go out as a digest,
conversations.digests). Message text never enters a notification: a notification says only
that there is something new, naming the subject as the reader may see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from indexer.extract import ExtractionError
from matchmaker import visibility
from matchmaker.accounts import operations as accounts
from matchmaker.config import Settings
from matchmaker.conversations import subjects
from matchmaker.core import audit, signed_links
from matchmaker.core.errors import (
    OperationError,
    PermissionDenied,
    ValidationFailed,
    raise_all,
)
from matchmaker.db import utcnow
from matchmaker.listings import uploads
from matchmaker.models import (
    Conversation,
    ConversationReader,
    MeetingProposal,
    MeetingProposalState,
    Message,
    MessageAttachment,
    MessageKind,
    User,
)
from matchmaker.notifications import inbox, notify

BODY_MAX = 5000
PLACE_MAX = 300
MEETING_NOTE_MAX = 1000
FILES_MAX = 5  # attachments on one message


class Conflict(OperationError):
    """Someone answered the same meeting proposal a moment earlier."""


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str | None


def link(conversation: Conversation) -> str:
    return f"/threads/{conversation.id}"


def find(session: Session, kind: str, subject_id: int) -> Conversation | None:
    return session.scalar(
        sa.select(Conversation).where(
            Conversation.subject_kind == kind, Conversation.subject_id == subject_id
        )
    )


def open_thread(session: Session, actor: User, kind: str, subject_id: int) -> Conversation:
    """The subject's thread, started if it has none yet (threads of matches introduced before
    conversations existed). Two people opening it at once get the same one."""
    if not visibility.can_open_subject_thread(session, actor, kind, subject_id):
        raise PermissionDenied("not_a_party")
    found = find(session, kind, subject_id)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            conversation = Conversation(subject_kind=kind, subject_id=subject_id)
            session.add(conversation)
            session.flush()
    except IntegrityError:
        found = find(session, kind, subject_id)
        assert found is not None
        return found
    audit.record(session, actor, "conversation.opened", "conversation", conversation.id)
    return conversation


def _require_reader(actor: User, conversation: Conversation) -> None:
    if not visibility.can_read_conversation(actor, conversation):
        raise PermissionDenied("not_a_party")


def _require_writer(actor: User, conversation: Conversation) -> None:
    _require_reader(actor, conversation)
    if not visibility.can_write_conversation(actor, conversation):
        raise ValidationFailed("conversation_closed")


def reader_row(session: Session, conversation: Conversation, user: User) -> ConversationReader:
    row = session.scalar(
        sa.select(ConversationReader).where(
            ConversationReader.conversation_id == conversation.id,
            ConversationReader.user_id == user.id,
        )
    )
    if row is None:
        row = ConversationReader(conversation_id=conversation.id, user_id=user.id)
        session.add(row)
        session.flush()
    return row


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if len(text) > BODY_MAX:
        raise ValidationFailed("too_long", field="body", max=BODY_MAX)
    return text


def check_uploads(settings: Settings, files: Sequence[Upload]) -> list[str]:
    """The kind of each file, or every problem at once (field 'attachments')."""
    if len(files) > FILES_MAX:
        raise ValidationFailed("too_many_files", field="attachments", max=FILES_MAX)
    kinds: list[str] = []
    for upload in files:
        try:
            kinds.append(uploads.check_attachable(upload.data, settings.upload_max_bytes))
        except ExtractionError as exc:
            raise ValidationFailed(
                exc.code,
                field="attachments",
                name=uploads.display_name(upload.filename),
                max_mb=settings.upload_max_bytes // (1024 * 1024),
            ) from None
    return kinds


def _add_message(
    session: Session,
    actor: User,
    conversation: Conversation,
    kind: MessageKind,
    body: str = "",
    meeting: MeetingProposal | None = None,
) -> Message:
    message = Message(
        conversation_id=conversation.id,
        author_id=actor.id,
        is_from_association=actor.is_staff,
        kind=kind,
        body=body,
        meeting_id=meeting.id if meeting is not None else None,
    )
    session.add(message)
    conversation.last_message_at = utcnow()
    session.flush()
    reader_row(session, conversation, actor).last_read_message_id = message.id
    _tell_readers(session, actor, conversation)
    return message


def readers(session: Session, conversation: Conversation) -> list[User]:
    """Who hears of new messages: the parties, and staff who take part (wrote in it, or
    follow the match). Each one is checked against the visibility rule again."""
    parties = visibility.conversation_parties(conversation)
    ids = set(parties.user_ids)
    ids |= set(
        session.scalars(
            sa.select(ConversationReader.user_id).where(
                ConversationReader.conversation_id == conversation.id
            )
        )
    )
    match = subjects.match_of(session, conversation)
    if match is not None and match.assignee_id is not None:
        ids.add(match.assignee_id)
    people = [session.get(User, i) for i in sorted(ids)]
    return [
        u
        for u in people
        if u is not None and u.is_active and visibility.can_read_conversation(u, conversation)
    ]


def _tell_readers(session: Session, actor: User, conversation: Conversation) -> None:
    """One unread in-app note per reader and thread, however many messages arrive: the
    e-mail digest carries the rest."""
    target = link(conversation)
    for user in readers(session, conversation):
        if user.id == actor.id:
            continue
        reader_row(session, conversation, user)  # the digest mails those with a row
        if inbox.has_unread(session, user, "conversation_message", target):
            continue
        notify.notify(
            session,
            user,
            "conversation_message",
            target,
            email=False,
            about=subjects.about_for(session, conversation, user),
        )


def post(
    session: Session,
    settings: Settings,
    actor: User,
    conversation: Conversation,
    body: str | None,
    files: Sequence[Upload] = (),
) -> Message:
    """Write a message, with attachments under the upload rules; staff write as the
    association. An empty message without files is refused, as is one too long."""
    _require_writer(actor, conversation)
    problems: list[ValidationFailed] = []
    text = ""
    try:
        text = clean_body(body)
    except ValidationFailed as exc:
        problems.append(exc)
    kinds: list[str] = []
    try:
        kinds = check_uploads(settings, files)
    except ValidationFailed as exc:
        problems.append(exc)
    if not problems and not text and not files:
        problems.append(ValidationFailed("message_empty", field="body"))
    raise_all(problems)
    message = _add_message(session, actor, conversation, MessageKind.TEXT, text)
    for upload, kind in zip(files, kinds, strict=True):
        stored = uploads.store_file(settings.upload_dir, upload.data, upload.filename, kind)
        session.add(
            MessageAttachment(
                message_id=message.id,
                original_name=stored.original_name,
                storage_key=stored.key,
                content_type=stored.content_type,
                size_bytes=stored.size,
                sha256=stored.sha256,
            )
        )
    audit.record(
        session,
        actor,
        "conversation.message",
        "conversation",
        conversation.id,
        message=message.id,
        files=len(files),
    )
    session.flush()
    return message


def attachment_for(
    session: Session, actor: User | None, attachment_id: int
) -> MessageAttachment | None:
    """An attachment the actor may download (a reader of its thread), else None."""
    attachment = session.get(MessageAttachment, attachment_id)
    if attachment is None:
        return None
    if not visibility.can_read_conversation(actor, attachment.message.conversation):
        return None
    return attachment


# --- meetings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInput:
    starts_at: datetime | None
    is_online: bool
    place: str
    note: str


def propose_meeting(
    session: Session, actor: User, conversation: Conversation, given: MeetingInput
) -> MeetingProposal:
    """A date, time and place (or online link) for the other side to accept."""
    _require_writer(actor, conversation)
    problems: list[ValidationFailed] = []
    if given.starts_at is None:
        problems.append(ValidationFailed("meeting_time_required", field="starts_at"))
    elif given.starts_at < utcnow() - timedelta(minutes=5):
        problems.append(ValidationFailed("meeting_in_past", field="starts_at"))
    place = (given.place or "").strip()
    if not place:
        problems.append(ValidationFailed("meeting_place_required", field="place"))
    elif len(place) > PLACE_MAX:
        problems.append(ValidationFailed("too_long", field="place", max=PLACE_MAX))
    note = (given.note or "").strip()
    if len(note) > MEETING_NOTE_MAX:
        problems.append(ValidationFailed("too_long", field="note", max=MEETING_NOTE_MAX))
    raise_all(problems)
    assert given.starts_at is not None
    meeting = MeetingProposal(
        conversation_id=conversation.id,
        proposed_by_id=actor.id,
        starts_at=given.starts_at,
        is_online=given.is_online,
        place=place,
        note=note,
    )
    session.add(meeting)
    session.flush()
    _add_message(session, actor, conversation, MessageKind.MEETING_PROPOSED, meeting=meeting)
    audit.record(
        session, actor, "conversation.meeting_proposed", "conversation", conversation.id,
        meeting=meeting.id,
    )  # fmt: skip
    return meeting


def can_answer(session: Session, user: User, meeting: MeetingProposal) -> bool:
    """The other side answers: a party who did not propose it, while it is open (a proposal
    staff made may be accepted by either party)."""
    conversation = session.get(Conversation, meeting.conversation_id)
    return (
        conversation is not None
        and meeting.state == MeetingProposalState.PROPOSED
        and meeting.proposed_by_id != user.id
        and visibility.is_conversation_party(user, conversation)
        and visibility.can_write_conversation(user, conversation)
    )


def answer_meeting(
    session: Session, actor: User, meeting: MeetingProposal, accept: bool, expected_version: int
) -> Message:
    """Accept (the match moves to "meeting" through the pipeline) or decline a proposal."""
    conversation = session.get(Conversation, meeting.conversation_id)
    assert conversation is not None
    _require_reader(actor, conversation)
    if meeting.version != expected_version or meeting.state != MeetingProposalState.PROPOSED:
        raise Conflict("meeting_already_answered")
    if not can_answer(session, actor, meeting):
        raise PermissionDenied("meeting_not_yours")
    meeting.state = MeetingProposalState.ACCEPTED if accept else MeetingProposalState.DECLINED
    meeting.answered_by_id, meeting.answered_at = actor.id, utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("meeting_already_answered") from exc
    kind = MessageKind.MEETING_ACCEPTED if accept else MessageKind.MEETING_DECLINED
    message = _add_message(session, actor, conversation, kind, meeting=meeting)
    if accept:
        subjects.meeting_accepted(session, actor, conversation, f"meeting:{meeting.id}")
    audit.record(
        session, actor, "conversation.meeting_answered", "conversation", conversation.id,
        meeting=meeting.id, accepted=accept,
    )  # fmt: skip
    session.flush()
    return message


# --- agreement and contract -------------------------------------------------------------------


def can_report_agreement(session: Session, user: User, conversation: Conversation) -> bool:
    return (
        conversation.agreement_reported_at is None
        and visibility.is_conversation_party(user, conversation)
        and visibility.can_write_conversation(user, conversation)
        and subjects.can_report_agreement(session, conversation)
    )


def report_agreement(session: Session, actor: User, conversation: Conversation) -> Message:
    """ "We reached agreement": a party asks staff to record the contract."""
    _require_writer(actor, conversation)
    if not visibility.is_conversation_party(actor, conversation):
        raise PermissionDenied("not_a_party")
    if conversation.agreement_reported_at is not None:
        raise ValidationFailed("agreement_already_reported")
    if not subjects.can_report_agreement(session, conversation):
        raise ValidationFailed("transition_not_allowed")
    conversation.agreement_reported_at = utcnow()
    conversation.agreement_reported_by_id = actor.id
    message = _add_message(session, actor, conversation, MessageKind.AGREEMENT_REPORTED)
    match = subjects.match_of(session, conversation)
    staff = (
        [match.assignee]
        if match is not None and match.assignee is not None and match.assignee.is_active_staff
        else accounts.active_staff(session)
    )
    for person in staff:
        notify.notify(
            session,
            person,
            "conversation_agreement",
            link(conversation),
            email=False,
            about=subjects.about_for(session, conversation, person),
        )
    audit.record(session, actor, "conversation.agreement_reported", "conversation", conversation.id)
    session.flush()
    return message


def record_contract(
    session: Session,
    actor: User,
    conversation: Conversation,
    expected_version: int,
    contract_value: str | None,
    signed_on: date | None,
) -> Message:
    """Staff record the contract (value in 万元, date): the match moves to signed through the
    pipeline's signed step, which validates the value and checks the version."""
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    subjects.record_contract(
        session, actor, conversation, expected_version, contract_value, signed_on
    )
    message = _add_message(session, actor, conversation, MessageKind.CONTRACT_RECORDED)
    audit.record(session, actor, "conversation.contract_recorded", "conversation", conversation.id)
    session.flush()
    return message


# --- reading and e-mail subscription -----------------------------------------------------------


def mark_read(session: Session, actor: User, conversation: Conversation) -> None:
    """The reader has seen everything up to the newest message (and its notification)."""
    newest = session.scalar(
        sa.select(sa.func.max(Message.id)).where(Message.conversation_id == conversation.id)
    )
    if newest is None:
        return
    row = reader_row(session, conversation, actor)
    if row.last_read_message_id < newest:
        row.last_read_message_id = newest
    inbox.mark_read_at_link(session, actor, link(conversation))
    session.flush()


def unsubscribe_token(settings: Settings, user: User, conversation: Conversation) -> str:
    return signed_links.sign(
        settings.secret_key,
        signed_links.CONVERSATION_UNSUBSCRIBE,
        {"u": user.id, "c": conversation.id},
    )


def unsubscribe_link(settings: Settings, user: User, conversation: Conversation) -> str:
    return f"/threads/unsubscribe/{unsubscribe_token(settings, user, conversation)}"


def read_unsubscribe(session: Session, settings: Settings, token: str) -> tuple[User, Conversation]:
    payload = signed_links.read(settings.secret_key, signed_links.CONVERSATION_UNSUBSCRIBE, token)
    user = session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    conversation = (
        session.get(Conversation, payload.get("c")) if isinstance(payload.get("c"), int) else None
    )
    if user is None or conversation is None:
        raise ValidationFailed("token_invalid")
    return user, conversation


def unsubscribe(session: Session, settings: Settings, token: str) -> Conversation:
    """Stop the thread's e-mails for the person the signed link was made for."""
    user, conversation = read_unsubscribe(session, settings, token)
    row = reader_row(session, conversation, user)
    if not row.is_muted:
        row.is_muted = True
        audit.record(
            session, user, "conversation.unsubscribed", "conversation", conversation.id, via="link"
        )
    session.flush()
    return conversation
