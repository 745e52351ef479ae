"""Staff schedule grid: generate, move a meeting, publish."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.models import Meeting, MeetingState
from matchmaker.roadshows import meetings as roadshow_meetings
from web import db
from web.access import staff_required
from web.committing import committing
from web.roadshows import bp
from web.roadshows.common import load, whole_number


@bp.route("/<int:roadshow_id>/schedule")
@staff_required
def schedule(roadshow_id: int) -> str:
    s = db.session()
    roadshow = load(roadshow_id)
    meetings = roadshow_meetings.agreed(s, roadshow)
    grid = {(m.slot_index, m.table_number): m for m in meetings if m.slot_index is not None}
    return render_template(
        "roadshows/schedule.html",
        roadshow=roadshow,
        slots=roadshow_meetings.slots(roadshow),
        tables=range(1, roadshow_meetings.tables(roadshow) + 1),
        grid=grid,
        unplaced=[m for m in meetings if m.slot_index is None],
        meetings=meetings,
        labels=roadshow_meetings.labels(s, meetings),
        published=any(m.state == MeetingState.SCHEDULED for m in meetings),
    )


@bp.route("/<int:roadshow_id>/schedule/generate", methods=["POST"])
@staff_required
def generate_schedule(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    with committing() as outcome:
        result = roadshow_meetings.generate(s, current_user, roadshow)
    if outcome.ok:
        flash(
            ngettext("%(num)d meeting placed.", "%(num)d meetings placed.", result.meetings),
            "success",
        )
        if result.unscheduled:
            flash(
                ngettext(
                    "%(num)d accepted meeting did not fit.",
                    "%(num)d accepted meetings did not fit.",
                    len(result.unscheduled),
                ),
                "error",
            )
    return redirect(url_for("roadshows.schedule", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/schedule/move", methods=["POST"])
@staff_required
def move_meeting(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    meeting = s.get(Meeting, whole_number(request.form.get("meeting_id")))
    if meeting is None or meeting.roadshow_id != roadshow.id:
        abort(404)
    slot = whole_number(request.form.get("slot"))
    table = whole_number(request.form.get("table"))
    with committing(_("Meeting moved.")):
        roadshow_meetings.move(s, current_user, meeting, slot, table)
    return redirect(url_for("roadshows.schedule", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/schedule/publish", methods=["POST"])
@staff_required
def publish_schedule(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    with committing() as outcome:
        count = roadshow_meetings.publish_schedule(s, current_user, roadshow)
    if outcome.ok:
        flash(
            ngettext(
                "Schedule published: %(num)d meeting.",
                "Schedule published: %(num)d meetings.",
                count,
            ),
            "success",
        )
    return redirect(url_for("roadshows.schedule", roadshow_id=roadshow_id))
