"""Participant pages: request meetings, answer them as presenter, my agenda, follow-up."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker.core.errors import OperationError
from matchmaker.models import (
    Achievement,
    FollowUp,
    FollowUpIntent,
    LineupItem,
    Meeting,
    Registration,
    Roadshow,
)
from matchmaker.roadshows import calendar as roadshow_calendar
from matchmaker.roadshows import desk as roadshow_desk
from matchmaker.roadshows import followup as roadshow_followup
from matchmaker.roadshows import meetings as roadshow_meetings
from web import db
from web.roadshows import bp
from web.roadshows.common import flash_error, load, whole_number
from web.roadshows.public import lineup_view


def _presenting(roadshow: Roadshow) -> list[LineupItem]:
    return [i for i in roadshow.lineup if i.achievement.owner_id == current_user.id]


@bp.route("/<int:roadshow_id>/meetings")
@login_required
def meetings(roadshow_id: int) -> str:
    s = db.session()
    roadshow = load(roadshow_id)
    mine = roadshow_desk.registration_of(roadshow, current_user)
    requested = (
        s.scalars(
            sa.select(Meeting).where(Meeting.registration_id == mine.id).order_by(Meeting.id)
        ).all()
        if mine
        else []
    )
    presenting = _presenting(roadshow)
    incoming = (
        s.scalars(
            sa.select(Meeting)
            .where(Meeting.lineup_item_id.in_([i.id for i in presenting]))
            .order_by(Meeting.id)
        ).all()
        if presenting
        else []
    )
    items = {i.id: i for i in roadshow.lineup}
    names = {
        r.id: r
        for r in s.scalars(sa.select(Registration).where(Registration.roadshow_id == roadshow.id))
    }
    asked = {m.lineup_item_id: m.state for m in requested}  # shown as the meeting's state now
    return render_template(
        "roadshows/meetings.html",
        roadshow=roadshow,
        mine=mine,
        requested=requested,
        incoming=incoming,
        items=items,
        registrations=names,
        lineup=[e for e in lineup_view(roadshow) if e["visible"]],
        asked=asked,
    )


@bp.route("/<int:roadshow_id>/meetings/request", methods=["POST"])
@login_required
def request_meeting(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    mine = roadshow_desk.registration_of(roadshow, current_user)
    item = s.get(LineupItem, whole_number(request.form.get("item_id")))
    if item is None or item.roadshow_id != roadshow.id:
        abort(404)
    if mine is None:
        flash(_("Please register for the roadshow first."), "error")
        return redirect(url_for("roadshows.event", roadshow_id=roadshow_id))
    try:
        roadshow_meetings.request_meeting(s, mine, item, current_user)
        s.commit()
        flash(_("Meeting requested. The presenter will answer."), "success")
    except OperationError as error:
        s.rollback()
        flash_error(error)
    return redirect(url_for("roadshows.meetings", roadshow_id=roadshow_id))


def _meeting(roadshow: Roadshow, meeting_id: int) -> Meeting:
    meeting = db.session().get(Meeting, meeting_id)
    if meeting is None or meeting.roadshow_id != roadshow.id:
        abort(404)
    return meeting


@bp.route("/<int:roadshow_id>/meetings/<int:meeting_id>/answer", methods=["POST"])
@login_required
def answer(roadshow_id: int, meeting_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    meeting = _meeting(roadshow, meeting_id)
    try:
        roadshow_meetings.respond(
            s, current_user, meeting, accept=request.form.get("answer") == "accept"
        )
        s.commit()
        flash(_("Answer saved."), "success")
    except OperationError as error:
        s.rollback()
        if error.code == "not_owner":
            abort(403)
        flash_error(error)
    return redirect(url_for("roadshows.meetings", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/agenda")
@login_required
def agenda(roadshow_id: int) -> str:
    roadshow = load(roadshow_id)
    entries = roadshow_meetings.agenda(db.session(), roadshow, current_user)
    return render_template(
        "roadshows/agenda.html",
        roadshow=roadshow,
        entries=entries,
        followup_open=roadshow_calendar.event_day_reached(roadshow),
    )


@bp.route("/<int:roadshow_id>/meetings/<int:meeting_id>/followup", methods=["GET", "POST"])
@login_required
def followup(roadshow_id: int, meeting_id: int) -> str | Response:
    s = db.session()
    roadshow = load(roadshow_id)
    meeting = _meeting(roadshow, meeting_id)
    if not roadshow_followup.is_party(s, current_user, meeting):
        abort(403)
    allowed = roadshow_followup.may_follow_up(s, current_user, meeting)
    if request.method == "POST":
        try:
            intent = FollowUpIntent(request.form.get("intent", ""))
        except ValueError:
            flash(_("Please choose an intent."), "error")
            return redirect(request.path)
        try:
            roadshow_followup.record(
                s,
                current_user,
                meeting,
                intent,
                contract_value=request.form.get("contract_value"),
                note=request.form.get("note"),
            )
            s.commit()
            flash(_("Follow-up recorded. Thank you."), "success")
            return redirect(url_for("roadshows.agenda", roadshow_id=roadshow_id))
        except OperationError as error:
            s.rollback()
            flash_error(error)
    item = s.get(LineupItem, meeting.lineup_item_id)
    registration = s.get(Registration, meeting.registration_id)
    previous = s.scalars(
        sa.select(FollowUp).where(FollowUp.meeting_id == meeting.id).order_by(FollowUp.id)
    ).all()
    return render_template(
        "roadshows/followup.html",
        roadshow=roadshow,
        meeting=meeting,
        achievement=item.achievement if item else Achievement(title=""),
        registration=registration,
        previous=previous,
        allowed=allowed,
        values=request.form,
    )
