"""Expert service teams (staff): list and create, recommend and adjust members, record visits,
the report per team and per region with its Excel export."""

from __future__ import annotations

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import taxonomy
from matchmaker.core.errors import OperationError
from matchmaker.experts import teams
from matchmaker.importing.tables import safe_cell
from matchmaker.models import ExpertProfile, ServiceTeam
from web import db
from web.access import staff_required
from web.committing import committing
from web.downloads import send_xlsx
from web.experts import bp
from web.messages import field_errors


def _team(team_id: int) -> ServiceTeam:
    team = db.session().get(ServiceTeam, team_id)
    if team is None:
        abort(404)
    return team


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _render_list(values: dict[str, object], error: OperationError | None = None) -> str:
    return render_template(
        "experts/teams.html",
        teams=teams.all_teams(db.session()),
        values=values,
        field_errors=field_errors(error),
        fields=taxonomy.FIELDS,
        regions=taxonomy.REGIONS,
    )


@bp.route("/teams", methods=["GET", "POST"])
@staff_required
def team_list() -> str | Response:
    if request.method == "GET":
        return _render_list({"size": 5})
    f = request.form
    form = teams.TeamForm(
        name=f.get("name", ""),
        region=f.get("region") or None,
        area=f.get("area", ""),
        theme_fields=tuple(f.getlist("theme_fields")),
        size=teams.whole(f.get("size")) or 0,
    )
    with committing(_("Team created. Now recommend its members.")) as outcome:
        team = teams.create_team(db.session(), current_user, form)
    if not outcome.ok:
        values: dict[str, object] = dict(f.items())
        values["theme_fields"] = f.getlist("theme_fields")
        return _render_list(values, outcome.error)
    return redirect(url_for("experts.team", team_id=team.id))


def _render_team(
    team: ServiceTeam, visit: dict[str, object] | None = None, error: OperationError | None = None
) -> str:
    s = db.session()
    needs = {n.id: n for n in teams.open_needs(s, team)}
    return render_template(
        "experts/team.html",
        team=team,
        needs=needs,
        covered={n for m in team.members for n in m.covered_need_ids},
        candidates=teams.candidates(s),
        visit=visit or {"visit_on": date.today().isoformat()},
        field_errors=field_errors(error),
    )


@bp.route("/teams/<int:team_id>")
@staff_required
def team(team_id: int) -> str:
    return _render_team(_team(team_id))


@bp.route("/teams/<int:team_id>/recommend", methods=["POST"])
@staff_required
def team_recommend(team_id: int) -> Response:
    found = _team(team_id)
    with committing(_("Members recommended.")):
        teams.recommend(db.session(), current_user, found)
    return redirect(url_for("experts.team", team_id=team_id))


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@staff_required
def team_member(team_id: int) -> Response:
    found = _team(team_id)
    expert_id = teams.whole(request.form.get("expert_id")) or 0
    if request.form.get("action") == "remove":
        with committing(_("Member removed.")):
            teams.remove_member(db.session(), current_user, found, expert_id)
    else:
        expert = db.session().get(ExpertProfile, expert_id)
        if expert is None:
            abort(404)
        with committing(_("Member added.")):
            teams.add_member(db.session(), current_user, found, expert)
    return redirect(url_for("experts.team", team_id=team_id))


@bp.route("/teams/<int:team_id>/visits", methods=["POST"])
@staff_required
def team_visit(team_id: int) -> str | Response:
    found = _team(team_id)
    f = request.form
    form = teams.VisitForm(
        visit_on=_date(f.get("visit_on")),
        enterprises=f.get("enterprises", ""),
        problems_solved=teams.whole(f.get("problems_solved")),
        followup_needs=teams.whole(f.get("followup_needs")),
        contracts=teams.whole(f.get("contracts")),
        contract_value=f.get("contract_value", ""),
        notes=f.get("notes", ""),
    )
    with committing(_("Visit recorded.")) as outcome:
        teams.record_visit(db.session(), current_user, found, form)
    if not outcome.ok:
        return _render_team(found, dict(f.items()), outcome.error)
    return redirect(url_for("experts.team", team_id=team_id))


@bp.route("/teams/report")
@staff_required
def team_report() -> str:
    per_team, per_region = teams.report(db.session())
    return render_template("experts/team_report.html", per_team=per_team, per_region=per_region)


@bp.route("/teams/report.xlsx")
@staff_required
def team_report_export() -> Response:
    from openpyxl import Workbook

    per_team, per_region = teams.report(db.session())
    workbook = Workbook(write_only=True)
    heads = [
        _("Visits"),
        _("Enterprises visited"),
        _("Problems solved"),
        _("Follow-up needs"),
        _("Contracts"),
        _("Contract value (×10k CNY)"),
    ]
    sheet = workbook.create_sheet(_("Teams"))
    sheet.append([_("Team"), _("Region"), _("District or park"), _("Members"), *heads])
    for row in per_team:
        sheet.append(
            [
                safe_cell(row.team.name),
                row.team.region or "",
                safe_cell(row.team.area),
                row.members,
                row.visits,
                row.enterprises,
                row.problems_solved,
                row.followup_needs,
                row.contracts,
                row.contract_value,
            ]
        )
    regions = workbook.create_sheet(_("Regions"))
    regions.append([_("Region"), _("Teams"), *heads])
    for totals in per_region:
        regions.append(
            [
                totals["region"] or _("not stated"),
                totals["teams"],
                *(
                    totals[name]
                    for name in (
                        "visits",
                        "enterprises",
                        "problems_solved",
                        "followup_needs",
                        "contracts",
                        "contract_value",
                    )
                ),
            ]
        )
    return send_xlsx(workbook, f"expert-teams-{date.today():%Y%m%d}.xlsx")
