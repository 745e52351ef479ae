"""The event report for staff, on screen (SVG bars) and as an Excel file."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.importing.tables import safe_cell
from matchmaker.models import FollowUp, LineupItem, Meeting, Registration, Roadshow
from matchmaker.roadshows import followup as roadshow_followup
from web import db
from web.access import staff_required
from web.committing import committing
from web.downloads import send_xlsx
from web.roadshows import bp
from web.roadshows.common import event_time, load
from web.roadshows.labels import intent_label, registration_label


def _bars(report: roadshow_followup.Report) -> list[tuple[str, str, int]]:
    return [
        ("registered", _("Registered"), report.registered),
        ("waitlisted", _("Waitlisted"), report.waitlisted),
        ("attended", _("Attended"), report.attended),
        ("requested", _("Meetings requested"), report.meetings_requested),
        ("accepted", _("Meetings accepted"), report.meetings_accepted),
        ("held", _("Meetings held"), report.meetings_held),
        ("deals", _("Deals"), report.deals),
    ]


@bp.route("/<int:roadshow_id>/report")
@staff_required
def report(roadshow_id: int) -> str:
    roadshow = load(roadshow_id)
    result = roadshow_followup.report(db.session(), roadshow)
    bars = _bars(result)
    return render_template(
        "roadshows/report.html",
        roadshow=roadshow,
        report=result,
        bars=bars,
        top=max([value for _key, _label, value in bars] + [1]),
        to_confirm=roadshow_followup.contracts_to_confirm(db.session(), roadshow),
    )


@bp.route("/<int:roadshow_id>/followups/<int:followup_id>/confirm", methods=["POST"])
@staff_required
def confirm_contract(roadshow_id: int, followup_id: int) -> Response:
    s = db.session()
    roadshow = load(roadshow_id)
    followup = s.get(FollowUp, followup_id)
    if followup is None or followup.roadshow_id != roadshow.id:
        abort(404)
    with committing(_("Contract confirmed: the match is signed.")):
        roadshow_followup.confirm_contract(s, current_user, followup)
    return redirect(url_for("roadshows.report", roadshow_id=roadshow_id))


@bp.route("/<int:roadshow_id>/report.xlsx")
@staff_required
def export(roadshow_id: int) -> Response:
    from openpyxl import Workbook

    s = db.session()
    roadshow = load(roadshow_id)
    result = roadshow_followup.report(s, roadshow)
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Summary"))
    summary.append([_("Roadshow"), safe_cell(roadshow.title)])
    summary.append([_("Starts"), event_time(roadshow.starts_at, roadshow.timezone)])
    for _key, label, value in _bars(result):
        summary.append([label, value])
    summary.append([_("Contract value (×10k CNY)"), result.deal_value])
    people = workbook.create_sheet(_("Registrations"))
    people.append([_("Name"), _("E-mail"), _("Organisation"), _("Status"), _("Checked in")])
    for r in s.scalars(
        sa.select(Registration)
        .where(Registration.roadshow_id == roadshow.id)
        .order_by(Registration.id)
    ):
        people.append(
            [
                safe_cell(r.name),
                safe_cell(r.email),
                safe_cell(r.organisation_name or ""),
                registration_label(r.status),
                event_time(r.checked_in_at, roadshow.timezone),
            ]
        )
    follow = workbook.create_sheet(_("Follow-up"))
    follow.append([_("Participant"), _("Achievement"), _("Intent"), _("Contract value (×10k CNY)")])
    for f in _followups(roadshow):
        meeting = s.get(Meeting, f.meeting_id) if f.meeting_id else None
        registration = s.get(Registration, meeting.registration_id) if meeting else None
        item = s.get(LineupItem, meeting.lineup_item_id) if meeting else None
        follow.append(
            [
                safe_cell(registration.name if registration else ""),
                safe_cell(item.achievement.title if item else ""),
                intent_label(f.intent),
                float(f.contract_value) if f.contract_value is not None else None,
            ]
        )
    return send_xlsx(workbook, f"roadshow-{roadshow.id}-report.xlsx")


def _followups(roadshow: Roadshow) -> list[FollowUp]:
    return list(
        db.session().scalars(
            sa.select(FollowUp).where(FollowUp.roadshow_id == roadshow.id).order_by(FollowUp.id)
        )
    )
