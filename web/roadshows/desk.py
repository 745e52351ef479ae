"""The check-in desk: type (or scan) a code, see who arrived, live counts."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime
from matchmaker.models import Registration, Roadshow
from matchmaker.roadshows import calendar as roadshow_calendar
from matchmaker.roadshows import desk as roadshow_desk
from web import db
from web.access import staff_required
from web.committing import committing
from web.roadshows import bp
from web.roadshows.common import event_time, load


@bp.route("/<int:roadshow_id>/checkin", methods=["GET", "POST"])
@staff_required
def checkin(roadshow_id: int) -> str | Response:
    s = db.session()
    roadshow = load(roadshow_id)
    if request.method == "POST":
        code = request.form.get("code", "")
        with committing() as outcome:
            person = roadshow_desk.check_in(
                s, current_user, roadshow, code, override=request.form.get("override") == "1"
            )
        if outcome.ok:
            flash(_("Checked in: %(name)s", name=person.name), "success")
        if outcome.error is not None and outcome.error.code == "before_event_day":
            # the desk page asks for the explicit confirmation, the code already filled in
            return redirect(url_for("roadshows.checkin", roadshow_id=roadshow_id, code=code))
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
        event_day=roadshow_calendar.event_day_reached(roadshow),
        event_date=roadshow_calendar.event_date(roadshow),
        code=request.args.get("code", "")[:20],
    )


def _arrival(roadshow: Roadshow, person: Registration) -> dict[str, str]:
    return {
        "time": event_time(person.checked_in_at, roadshow.timezone, "%H:%M"),
        "name": person.name,
        "organisation": person.organisation_name or "",
    }


@bp.route("/<int:roadshow_id>/checkin/counts.json")
@staff_required
def checkin_counts(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    counts = roadshow_desk.counts(s, roadshow)
    return jsonify(
        registered=counts.registered,
        waitlisted=counts.waitlisted,
        checked_in=counts.checked_in,
        capacity=counts.capacity,
        # the latest arrivals refresh together with the counts
        arrivals=[_arrival(roadshow, r) for r in roadshow_desk.arrivals(s, roadshow)],
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


@bp.route("/<int:roadshow_id>/registrations/<int:registration_id>/cancel", methods=["POST"])
@staff_required
def cancel_registration(roadshow_id: int, registration_id: int) -> str | Response:
    """Staff cancel someone's registration: a confirmation page first (no script needed),
    then the second, explicit submit cancels."""
    s = db.session()
    roadshow = load(roadshow_id)
    registration = s.get(Registration, registration_id)
    if registration is None or registration.roadshow_id != roadshow.id:
        abort(404)
    back = url_for("roadshows.registrations", roadshow_id=roadshow_id)
    if request.form.get("confirmed") != "1":
        return render_template(
            "roadshows/confirm_cancel.html",
            roadshow=roadshow,
            registration=registration,
            action=request.path,
            back=back,
        )
    with committing(_("The registration of %(name)s is cancelled.", name=registration.name)):
        roadshow_desk.cancel(
            s, registration, actor=current_user, secret=runtime.settings().secret_key
        )
    return redirect(back)
