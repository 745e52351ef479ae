"""Public roadshow pages: the list, the event page, registration and the ticket with its code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker import visibility
from matchmaker.core.errors import OperationError
from matchmaker.models import Registration, Roadshow, Visibility
from matchmaker.roadshows import desk as roadshow_desk
from matchmaker.roadshows.planning.roster import format_check_in_code
from matchmaker.visibility import Access, access
from web import db
from web.roadshows import bp
from web.roadshows.common import flash_error, load, viewer
from web.roadshows.qr import qr_svg

TICKETS = "roadshow_tickets"  # registration ids of this browser's anonymous sign-ups


@bp.route("/")
def index() -> str:
    user = viewer()
    stmt = sa.select(Roadshow).order_by(Roadshow.starts_at.desc())
    if user is None or not user.is_staff:
        stmt = stmt.where(Roadshow.state.in_(visibility.PUBLIC_ROADSHOW_STATES))
    return render_template("roadshows/index.html", roadshows=db.session().scalars(stmt).all())


def lineup_view(roadshow: Roadshow) -> list[dict[str, object]]:
    """Lineup entries as the viewer may see them (confidential ones anonymised)."""
    user = viewer()
    entries = []
    for item in roadshow.lineup:
        achievement = item.achievement
        level = access(user, achievement)
        entry: dict[str, object] = {
            "item": item,
            "field": achievement.field,
            "visible": level != Access.NONE,
            "members_only": level == Access.NONE
            and user is None
            and achievement.visibility == Visibility.MEMBERS,
            "title": achievement.title if level != Access.NONE else None,
            "summary": achievement.summary if level != Access.NONE else None,
            "link": level in (Access.FULL, Access.OWNER),
            "achievement_id": achievement.id,
        }
        entries.append(entry)
    return entries


@bp.route("/<int:roadshow_id>")
def event(roadshow_id: int) -> str:
    roadshow = load(roadshow_id)
    user = viewer()
    counts = roadshow_desk.counts(db.session(), roadshow)
    return render_template(
        "roadshows/event.html",
        roadshow=roadshow,
        lineup=lineup_view(roadshow),
        mine=roadshow_desk.registration_of(roadshow, user),
        counts=counts,
    )


@bp.route("/<int:roadshow_id>/register", methods=["POST"])
def register(roadshow_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    user = viewer()
    form = request.form
    applicant = roadshow_desk.Applicant(
        name=form.get("name", "") if user is None else (form.get("name") or user.name),
        email=form.get("email", "") if user is None else user.email,
        phone=form.get("phone"),
        organisation=form.get("organisation"),
    )
    try:
        registration = roadshow_desk.register(s, roadshow, applicant, user=user)
        s.commit()
    except OperationError as error:
        s.rollback()
        flash_error(error)
        return redirect(url_for("roadshows.event", roadshow_id=roadshow_id) + "#register")
    if user is None:
        session[TICKETS] = [*session.get(TICKETS, [])[-9:], registration.id]
    return redirect(url_for("roadshows.ticket", roadshow_id=roadshow_id, rid=registration.id))


def _own_registration(roadshow: Roadshow, rid: int) -> Registration:
    registration = db.session().get(Registration, rid)
    if registration is None or registration.roadshow_id != roadshow.id:
        abort(404)
    user = viewer()
    mine = (user is not None and (user.is_staff or registration.user_id == user.id)) or (
        rid in session.get(TICKETS, [])
    )
    if not mine:
        abort(404)
    return registration


@bp.route("/<int:roadshow_id>/ticket/<int:rid>")
def ticket(roadshow_id: int, rid: int) -> str:
    roadshow = load(roadshow_id)
    registration = _own_registration(roadshow, rid)
    return render_template(
        "roadshows/ticket.html",
        roadshow=roadshow,
        registration=registration,
        code=format_check_in_code(registration.check_in_code),
        qr=qr_svg(registration.check_in_code, _("QR code of the check-in code")),
    )


@bp.route("/<int:roadshow_id>/ticket/<int:rid>/cancel", methods=["POST"])
def cancel(roadshow_id: int, rid: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    registration = _own_registration(roadshow, rid)
    roadshow_desk.cancel(s, registration)
    s.commit()
    flash(_("Your registration is cancelled."), "info")
    return redirect(url_for("roadshows.event", roadshow_id=roadshow_id))
