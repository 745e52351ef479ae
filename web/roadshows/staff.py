"""Staff pages: create and edit a roadshow, its lineup, publishing, invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime, taxonomy
from matchmaker.core.errors import OperationError
from matchmaker.models import LineupItem, Roadshow, RoadshowState
from matchmaker.roadshows import events as roadshow_events
from matchmaker.roadshows import meetings as roadshow_meetings
from web import db
from web.access import staff_required
from web.committing import committing
from web.messages import field_errors
from web.roadshows import bp
from web.roadshows.common import input_value, load, local_datetime, whole_number

ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Europe/Berlin", "UTC")


def _form() -> roadshow_events.RoadshowForm:
    f = request.form
    return roadshow_events.RoadshowForm(
        title=f.get("title", ""),
        description=f.get("description", ""),
        theme_fields=tuple(v for v in f.getlist("theme_fields") if v in taxonomy.FIELDS),
        region=f.get("region") or None,
        starts_at=local_datetime(f.get("starts_at")),
        ends_at=local_datetime(f.get("ends_at")),
        timezone=f.get("timezone") or "Asia/Shanghai",
        venue=f.get("venue"),
        online_url=f.get("online_url"),
        capacity=whole_number(f.get("capacity"), 0),
        presentation_slots=whole_number(f.get("presentation_slots"), 0),
        registration_deadline=local_datetime(f.get("registration_deadline")),
        meetings_start=local_datetime(f.get("meetings_start")),
    )


def _render_form(
    roadshow: Roadshow | None, values: dict[str, object], error: OperationError | None = None
) -> str:
    return render_template(
        "roadshows/form.html",
        roadshow=roadshow,
        values=values,
        field_errors=field_errors(error),
        fields=taxonomy.FIELDS,
        regions=taxonomy.REGIONS,
        zones=ZONES,
        presentation_minutes=roadshow_meetings.PRESENTATION_MINUTES,
    )


def _values(roadshow: Roadshow) -> dict[str, object]:
    zone = roadshow.timezone
    return {
        "title": roadshow.title,
        "description": roadshow.description,
        "theme_fields": roadshow.theme_fields,
        "region": roadshow.region or "",
        "starts_at": input_value(roadshow.starts_at, zone),
        "ends_at": input_value(roadshow.ends_at, zone),
        "timezone": zone,
        "venue": roadshow.venue or "",
        "online_url": roadshow.online_url or "",
        "capacity": roadshow.capacity,
        "presentation_slots": roadshow.presentation_slots,
        "registration_deadline": input_value(roadshow.registration_deadline, zone),
        "meetings_start": input_value(roadshow.meetings_start_at, zone),
    }


def _posted_values() -> dict[str, object]:
    values: dict[str, object] = dict(request.form.items())
    values["theme_fields"] = request.form.getlist("theme_fields")
    return values


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create() -> str | Response:
    if request.method == "GET":
        return _render_form(None, {"capacity": 100, "presentation_slots": 8})
    with committing(_("Roadshow created. Now recommend its lineup."), fields_shown=True) as outcome:
        roadshow = roadshow_events.create(db.session(), current_user, _form())
    if not outcome.ok:
        return _render_form(None, _posted_values(), outcome.error)
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow.id))


@bp.route("/<int:roadshow_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(roadshow_id: int) -> str | Response:
    roadshow = load(roadshow_id)
    if request.method == "GET":
        return _render_form(roadshow, _values(roadshow))
    with committing(_("Saved."), fields_shown=True) as outcome:
        roadshow_events.update(
            db.session(), current_user, roadshow, _form(), secret=runtime.settings().secret_key
        )
    if not outcome.ok:
        return _render_form(roadshow, _posted_values(), outcome.error)
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow.id))


@bp.route("/<int:roadshow_id>/lineup")
@staff_required
def lineup(roadshow_id: int) -> str:
    s = db.session()
    roadshow = load(roadshow_id)
    return render_template(
        "roadshows/lineup.html",
        roadshow=roadshow,
        needs=roadshow_events.lineup_needs(s, roadshow),
        editable=roadshow_events.lineup_editable(roadshow),
        removed=roadshow_events.removed_achievements(s, roadshow),
    )


@bp.route("/<int:roadshow_id>/lineup/recommend", methods=["POST"])
@staff_required
def recommend(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    with committing() as outcome:
        result = roadshow_events.recommend(s, current_user, roadshow)
    if outcome.ok:
        flash(
            ngettext(
                "Lineup recommended: it covers %(num)d open need.",
                "Lineup recommended: it covers %(num)d open needs.",
                result.needs_covered,
            ),
            "success",
        )
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


def _item(roadshow: Roadshow, item_id: int) -> LineupItem:
    item = db.session().get(LineupItem, item_id)
    if item is None or item.roadshow_id != roadshow.id:
        abort(404)
    return item


@bp.route("/<int:roadshow_id>/lineup/removed/<int:achievement_id>/restore", methods=["POST"])
@staff_required
def restore_item(roadshow_id: int, achievement_id: int) -> Response:
    roadshow = load(roadshow_id)
    with committing(_("It may be recommended again when you re-run the recommendation.")):
        roadshow_events.restore_item(db.session(), current_user, roadshow, achievement_id)
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/lineup/edit", methods=["POST"])
@staff_required
def edit_lineup(roadshow_id: int) -> Response:
    roadshow = load(roadshow_id)
    with committing():
        roadshow_events.begin_lineup_edit(db.session(), current_user, roadshow)
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/lineup/finish", methods=["POST"])
@staff_required
def finish_lineup_edit(roadshow_id: int) -> Response:
    roadshow = load(roadshow_id)
    with committing() as outcome:
        changed = roadshow_events.finish_lineup_edit(db.session(), current_user, roadshow)
    if outcome.ok:
        flash(
            _("Lineup saved. Registrants and invited enterprises were told what changed.")
            if changed
            else _("Lineup saved: nothing changed."),
            "success",
        )
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/lineup/<int:item_id>/<action>", methods=["POST"])
@staff_required
def lineup_action(roadshow_id: int, item_id: int, action: str) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    item = _item(roadshow, item_id)
    if action not in ("pin", "unpin", "remove"):
        abort(404)
    with committing():
        if action == "remove":
            roadshow_events.remove_item(s, current_user, item)
        else:
            roadshow_events.set_pinned(s, current_user, item, action == "pin")
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/publish", methods=["POST"])
@staff_required
def publish(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    with committing(_("The roadshow is published; registration is open.")):
        roadshow_events.publish(s, current_user, roadshow)
    return redirect(url_for("roadshows.lineup", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/state", methods=["POST"])
@staff_required
def change_state(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    try:
        target = RoadshowState(request.form.get("state", ""))
    except ValueError:
        abort(400)
    with committing():
        roadshow_events.set_state(
            s, current_user, roadshow, target, override=request.form.get("override") == "1"
        )
    return redirect(url_for("roadshows.event", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/invitations")
@staff_required
def invitations(roadshow_id: int) -> str:
    roadshow = load(roadshow_id)
    people = roadshow_events.invitees(db.session(), roadshow)
    return render_template("roadshows/invitations.html", roadshow=roadshow, people=people)


@bp.route("/<int:roadshow_id>/invitations/send", methods=["POST"])
@staff_required
def send_invitations(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    with committing() as outcome:
        sent = roadshow_events.send_invitations(s, current_user, roadshow)
    if outcome.ok:
        flash(ngettext("%(num)d invitation sent.", "%(num)d invitations sent.", sent), "success")
    return redirect(url_for("roadshows.invitations", roadshow_id=roadshow_id))
