"""Public roadshow pages: the list, the event page, registration and the ticket with its code."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker import runtime, visibility
from matchmaker.core.errors import OperationError
from matchmaker.models import Registration, Roadshow, Visibility
from matchmaker.roadshows import calendar as roadshow_calendar
from matchmaker.roadshows import desk as roadshow_desk
from matchmaker.roadshows.planning.roster import format_check_in_code
from matchmaker.visibility import Access, access
from web import db
from web.committing import committing
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
        registration_state=roadshow_desk.registration_state(roadshow),
        event_day=roadshow_calendar.event_day_reached(roadshow),
        event_date=roadshow_calendar.event_date(roadshow),
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
        registration = roadshow_desk.register(
            s, roadshow, applicant, user=user, secret=runtime.settings().secret_key
        )
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
    return _ticket_page(roadshow, _own_registration(roadshow, rid), None)


def _confirm_cancel(roadshow: Roadshow, registration: Registration, back: str) -> str:
    """The confirmation step of a cancellation: a page with the second, explicit submit
    (works without script)."""
    return render_template(
        "roadshows/confirm_cancel.html",
        roadshow=roadshow,
        registration=registration,
        action=request.path,
        back=back,
    )


@bp.route("/<int:roadshow_id>/ticket/<int:rid>/cancel", methods=["POST"])
def cancel(roadshow_id: int, rid: int) -> str | Response:
    s = db.session()
    roadshow = load(roadshow_id)
    registration = _own_registration(roadshow, rid)
    if request.form.get("confirmed") != "1":
        back = url_for("roadshows.ticket", roadshow_id=roadshow_id, rid=rid)
        return _confirm_cancel(roadshow, registration, back)
    roadshow_desk.cancel(s, registration, actor=viewer(), secret=runtime.settings().secret_key)
    s.commit()
    flash(_("Your registration is cancelled."), "info")
    return redirect(url_for("roadshows.event", roadshow_id=roadshow_id))


def _by_link(roadshow: Roadshow, token: str) -> Registration:
    """The registration a mailed link names (people without an account keep it this way)."""
    try:
        registration = roadshow_desk.registration_for_token(
            db.session(), runtime.settings().secret_key, token
        )
    except OperationError:
        abort(404)
    if registration.roadshow_id != roadshow.id:
        abort(404)
    return registration


def _ticket_page(roadshow: Roadshow, registration: Registration, token: str | None) -> str:
    return render_template(
        "roadshows/ticket.html",
        roadshow=roadshow,
        registration=registration,
        token=token,
        code=format_check_in_code(registration.check_in_code),
        qr=qr_svg(registration.check_in_code, _("QR code of the check-in code")),
    )


@bp.route("/<int:roadshow_id>/r/<token>")
def ticket_by_link(roadshow_id: int, token: str) -> str:
    roadshow = load(roadshow_id)
    return _ticket_page(roadshow, _by_link(roadshow, token), token)


@bp.route("/<int:roadshow_id>/r/<token>/confirm", methods=["GET", "POST"])
def confirm_by_link(roadshow_id: int, token: str) -> str | Response:
    """GET shows one button; only the POST confirms (mail scanners open every link)."""
    roadshow = load(roadshow_id)
    registration = _by_link(roadshow, token)
    if request.method == "POST":
        with committing(_("Your registration is confirmed.")):
            roadshow_desk.confirm(db.session(), registration, secret=runtime.settings().secret_key)
        return redirect(url_for("roadshows.ticket_by_link", roadshow_id=roadshow_id, token=token))
    return render_template(
        "roadshows/confirm_registration.html", roadshow=roadshow, registration=registration
    )


@bp.route("/<int:roadshow_id>/r/<token>/cancel", methods=["POST"])
def cancel_by_link(roadshow_id: int, token: str) -> str | Response:
    roadshow = load(roadshow_id)
    registration = _by_link(roadshow, token)
    if request.form.get("confirmed") != "1":
        back = url_for("roadshows.ticket_by_link", roadshow_id=roadshow_id, token=token)
        return _confirm_cancel(roadshow, registration, back)
    with committing(_("Your registration is cancelled.")):
        roadshow_desk.cancel(db.session(), registration, secret=runtime.settings().secret_key)
    return redirect(url_for("roadshows.ticket_by_link", roadshow_id=roadshow_id, token=token))
