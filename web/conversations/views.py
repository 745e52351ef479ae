"""Conversations (洽谈记录): the thread of a match for its two parties and staff.

Who may read or write is `matchmaker.visibility`'s decision; a thread someone may not read is a
404 here (its existence is not revealed). A refused form shows the page again with every
problem beside its field and the text as typed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import runtime, visibility
from matchmaker.conversations import operations, queries, subjects
from matchmaker.core.errors import OperationError, ValidationFailed
from matchmaker.core.numbers import whole_number
from matchmaker.interest import deals, threads
from matchmaker.listings import uploads
from matchmaker.models import MATCH_SUBJECT, Conversation, InterestRequest, MeetingProposal
from matchmaker.review import pipeline
from web import db
from web.access import staff_required
from web.committing import committing
from web.conversations import bp
from web.messages import field_errors, message_for

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # meeting times are typed and shown in Beijing time


def _load(conversation_id: int) -> Conversation:
    conversation = db.session().get(Conversation, conversation_id)
    if conversation is None or not visibility.can_read_conversation(current_user, conversation):
        abort(404)
    return conversation


def _title(conversation: Conversation, topic: subjects.Topic) -> str:
    """What the thread is about, as the reader may see it (a confidential side stays hidden)."""
    if topic.other is not None:
        if topic.other.kind == "expert":  # the expert was introduced to the need's owner by name
            return str(topic.other.name)
        if visibility.can_see(current_user, topic.other):
            return str(topic.other.title)
        return _("Confidential listing (introduced through the association)")
    if topic.match is None and topic.listing is not None:  # an interest request's thread
        if visibility.can_see(current_user, topic.listing):
            return str(topic.listing.title)
        return _("Confidential listing (introduced through the association)")
    if topic.need is not None and topic.match is not None:
        supply = subjects.supply_side(topic.match)
        name = supply.title if topic.achievement is not None else supply.name
        return f"{topic.need.title} ↔ {name}"
    return _("Conversation #%(id)s", id=conversation.id)


@bp.route("/")
@login_required
def index() -> str:
    s = db.session()
    if current_user.is_staff:
        f = queries.ThreadFilter.from_params(request.args)
        page = queries.staff_page(s, f)
        threads, next_after = page.items, page.next_after
    else:
        f, threads, next_after = None, queries.for_reader(s, current_user), None
    topics = {t.id: subjects.topic(s, t, current_user) for t in threads}
    return render_template(
        "conversations/index.html",
        f=f,
        threads=threads,
        next_after=next_after,
        topics=topics,
        titles={t.id: _title(t, topics[t.id]) for t in threads},
        unread=queries.unread_counts(s, current_user, threads),
        filters=queries.STAFF_FILTERS,
        quiet_days=queries.QUIET_DAYS,
    )


@bp.route("/match/<int:match_id>")
@login_required
def for_match(match_id: int) -> Response:
    """The thread of a match (from 'my matches' or the match card)."""
    s = db.session()
    if not visibility.can_open_subject_thread(s, current_user, MATCH_SUBJECT, match_id):
        abort(404)
    with committing() as outcome:
        conversation = operations.open_thread(s, current_user, MATCH_SUBJECT, match_id)
    if not outcome.ok:
        abort(404)
    return redirect(url_for("conversations.show", conversation_id=conversation.id))


def _interest_request(conversation: Conversation) -> InterestRequest | None:
    if conversation.subject_kind != threads.INTEREST:
        return None
    return db.session().get(InterestRequest, conversation.subject_id)


def _deal(conversation: Conversation) -> dict[str, Any]:
    """An interest thread's way into the pipeline: the requester's listings to tie it to, or
    the thread where the tied match is followed."""
    s = db.session()
    found = _interest_request(conversation)
    if found is None:
        return {"tie": None, "tied_thread": None}
    tied = deals.deal_thread(s, found)
    return {
        "tie": {"request": found, "choices": deals.choices(s, found)}
        if deals.can_tie(s, current_user, found)
        else None,
        "tied_thread": tied if tied is not None and tied.id != conversation.id else None,
    }


def _page(
    conversation: Conversation,
    *,
    error: OperationError | None = None,
    form: str | None = None,
    values: dict[str, Any] | None = None,
) -> str:
    s = db.session()
    topic = subjects.topic(s, conversation, current_user)
    authors = {
        m.id: subjects.author_for(s, conversation, m.author, m.is_from_association, current_user)
        for m in conversation.messages
    }
    meetings = {m.meeting_id: m.meeting for m in conversation.messages if m.meeting is not None}
    return render_template(
        "conversations/thread.html",
        conversation=conversation,
        topic=topic,
        title=_title(conversation, topic),
        messages=conversation.messages,
        authors=authors,
        answerable={
            i for i, m in meetings.items() if m and operations.can_answer(s, current_user, m)
        },
        can_write=visibility.can_write_conversation(current_user, conversation),
        can_report=operations.can_report_agreement(s, current_user, conversation),
        can_record=current_user.is_staff
        and topic.match is not None
        and pipeline.MatchState.SIGNED in pipeline.allowed_targets(topic.match.state),
        field_errors=field_errors(error),
        form=form,
        values=values or {},
        local_zone=LOCAL_ZONE,
        today=date.today().isoformat(),
        body_max=operations.BODY_MAX,
        max_mb=runtime.settings().upload_max_bytes // (1024 * 1024),
        **_deal(conversation),
    )


@bp.route("/<int:conversation_id>")
@login_required
def show(conversation_id: int) -> str:
    conversation = _load(conversation_id)
    # opening the thread reads it (the reader's own state: no audit entry)
    with committing():
        operations.mark_read(db.session(), current_user, conversation)
    return _page(conversation)


def _refused(conversation: Conversation, error: OperationError | None, form: str) -> Any:
    """Shown again with the problems (status 400) and everything typed kept."""
    if isinstance(error, (pipeline.Conflict, operations.Conflict)):
        flash(message_for(error), "error")
        return redirect(url_for("conversations.show", conversation_id=conversation.id))
    if error is not None and not getattr(error, "field", None):
        flash(message_for(error), "error")
    return _page(conversation, error=error, form=form, values=request.form.to_dict()), 400


def _back(conversation: Conversation, anchor: str = "latest") -> Response:
    return redirect(url_for("conversations.show", conversation_id=conversation.id) + f"#{anchor}")


@bp.route("/<int:conversation_id>/messages", methods=["POST"])
@login_required
def post_message(conversation_id: int) -> Any:
    conversation = _load(conversation_id)
    files = [
        operations.Upload(f.read(), f.filename)
        for f in request.files.getlist("attachments")
        if f and f.filename
    ]
    with committing(flash_error=False) as outcome:
        operations.post(
            db.session(),
            runtime.settings(),
            current_user,
            conversation,
            request.form.get("body"),
            files,
        )
    if not outcome.ok:
        return _refused(conversation, outcome.error, "message")
    return _back(conversation)


def _local_time(raw: str | None) -> datetime | None:
    text = (raw or "").strip()
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    return moment.astimezone(UTC)


@bp.route("/<int:conversation_id>/meetings", methods=["POST"])
@login_required
def propose_meeting(conversation_id: int) -> Any:
    conversation = _load(conversation_id)
    f = request.form
    given = operations.MeetingInput(
        starts_at=_local_time(f.get("starts_at")),
        is_online=f.get("mode") == "online",
        place=f.get("place", ""),
        note=f.get("note", ""),
    )
    with committing(
        _("Meeting proposed: the other side is asked to accept it."), flash_error=False
    ) as outcome:
        operations.propose_meeting(db.session(), current_user, conversation, given)
    if not outcome.ok:
        return _refused(conversation, outcome.error, "meeting")
    return _back(conversation)


@bp.route("/<int:conversation_id>/meetings/<int:meeting_id>/<answer>", methods=["POST"])
@login_required
def answer_meeting(conversation_id: int, meeting_id: int, answer: str) -> Any:
    conversation = _load(conversation_id)
    meeting = db.session().get(MeetingProposal, meeting_id)
    if (
        meeting is None
        or meeting.conversation_id != conversation.id
        or answer not in ("accept", "decline")
    ):
        abort(404)
    accepted = answer == "accept"
    done = _("Meeting accepted.") if accepted else _("Meeting declined.")
    with committing(done, flash_error=False) as outcome:
        operations.answer_meeting(
            db.session(),
            current_user,
            meeting,
            accepted,
            whole_number(request.form.get("version"), -1) or -1,
        )
    if not outcome.ok and outcome.error is not None:
        flash(message_for(outcome.error), "error")
    return _back(conversation)


@bp.route("/<int:conversation_id>/tie", methods=["POST"])
@login_required
def tie(conversation_id: int) -> Any:
    """An interest thread becomes a match of the pipeline (matchmaker.interest.deals)."""
    conversation = _load(conversation_id)
    found = _interest_request(conversation)
    if found is None:
        abort(404)
    with committing(
        _("Taken forward: meetings, agreement and contract are now followed here."),
        flash_error=False,
    ) as outcome:
        deals.tie(
            db.session(),
            current_user,
            found,
            whole_number(request.form.get("own_listing"), -1) or -1,
        )
    if not outcome.ok:
        return _refused(conversation, outcome.error, "tie")
    db.session().expire_all()
    target = deals.thread_for(db.session(), found)
    return _back(target if target is not None else conversation)


@bp.route("/<int:conversation_id>/agreement", methods=["POST"])
@login_required
def report_agreement(conversation_id: int) -> Response:
    conversation = _load(conversation_id)
    with committing(_("Thank you: the association will record the contract with you.")):
        operations.report_agreement(db.session(), current_user, conversation)
    return _back(conversation)


@bp.route("/<int:conversation_id>/contract", methods=["POST"])
@staff_required
def record_contract(conversation_id: int) -> Any:
    conversation = _load(conversation_id)
    raw_date = (request.form.get("signed_on") or "").strip()
    signed_on = None
    with committing(_("Contract recorded: the match is signed."), flash_error=False) as outcome:
        if raw_date:
            try:
                signed_on = date.fromisoformat(raw_date)
            except ValueError:
                raise ValidationFailed("bad_date", field="signed_on") from None
        operations.record_contract(
            db.session(),
            current_user,
            conversation,
            whole_number(request.form.get("version"), -1) or -1,
            request.form.get("contract_value"),
            signed_on,
        )
    if not outcome.ok:
        return _refused(conversation, outcome.error, "contract")
    return _back(conversation)


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    s = db.session()
    attachment = operations.attachment_for(s, current_user, attachment_id)
    if attachment is None:
        abort(404)
    path = uploads.stored_path(runtime.settings().upload_dir, attachment.storage_key)
    if path is None:
        abort(404)
    return send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> tuple[str, int] | str:
    """The signed link in a digest: stops that thread's e-mails without signing in (a POST, so
    a mail scanner that follows links does not unsubscribe anyone)."""
    s = db.session()
    settings = runtime.settings()
    try:
        operations.read_unsubscribe(s, settings, token)
    except OperationError as exc:
        return render_template("conversations/unsubscribe.html", error=message_for(exc)), 400
    done = False
    if request.method == "POST":
        with committing() as outcome:
            operations.unsubscribe(s, settings, token)
        done = outcome.ok
    return render_template("conversations/unsubscribe.html", error=None, done=done)
