"""The check-in desk: type (or scan) a code, see who arrived, live counts."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.roadshows import desk as roadshow_desk
from web import db
from web.access import staff_required
from web.committing import committing
from web.roadshows import bp
from web.roadshows.common import load


@bp.route("/<int:roadshow_id>/checkin", methods=["GET", "POST"])
@staff_required
def checkin(roadshow_id: int) -> str | Response:
    s = db.session()
    roadshow = load(roadshow_id)
    if request.method == "POST":
        with committing() as outcome:
            person = roadshow_desk.check_in(s, current_user, roadshow, request.form.get("code", ""))
        if outcome.ok:
            flash(_("Checked in: %(name)s", name=person.name), "success")
        target = (
            "roadshows.registrations"
            if request.form.get("next") == "registrations"
            else "roadshows.checkin"
        )
        return redirect(url_for(target, roadshow_id=roadshow_id))
    arrived = roadshow_desk.arrivals(s, roadshow)
    return render_template(
        "roadshows/checkin.html",
        roadshow=roadshow,
        counts=roadshow_desk.counts(s, roadshow),
        arrived=arrived,
    )


@bp.route("/<int:roadshow_id>/checkin/counts.json")
@staff_required
def checkin_counts(roadshow_id: int) -> Response:
    counts = roadshow_desk.counts(db.session(), load(roadshow_id))
    return jsonify(
        registered=counts.registered,
        waitlisted=counts.waitlisted,
        checked_in=counts.checked_in,
        capacity=counts.capacity,
    )


@bp.route("/<int:roadshow_id>/registrations")
@staff_required
def registrations(roadshow_id: int) -> str:
    s = db.session()
    roadshow = load(roadshow_id)
    people = roadshow_desk.registrations(s, roadshow)
    return render_template(
        "roadshows/registrations.html",
        roadshow=roadshow,
        people=people,
        counts=roadshow_desk.counts(s, roadshow),
    )
