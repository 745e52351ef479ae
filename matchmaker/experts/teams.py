"""Expert service teams (专家服务团): staff assemble a team for a district, park or theme, the
recommender picks the experts who cover the most open needs there, staff adjust it, schedule
visits and record what came of them; reports per team and per region.

The recommendation is the roadshow lineup's weighted maximum coverage
(roadshows/planning/lineup.recommend_lineup) over expert proposals instead of achievement
matches: a need counts once, credited to the member who fits it best, and near-duplicate
experts serving the same enterprises are not picked twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import taxonomy
from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed, raise_all
from matchmaker.core.numbers import whole_number
from matchmaker.matching import scoring
from matchmaker.models import (
    ExpertProfile,
    ExpertState,
    ListingState,
    Match,
    MatchState,
    Need,
    ServiceTeam,
    ServiceTeamMember,
    ServiceVisit,
    User,
)
from matchmaker.roadshows.planning import lineup as coverage

NAME_MAX = 200
MAX_SIZE = 30
MAX_ENTERPRISES = 50
NOTES_MAX = 4000
MAX_CONTRACT_VALUE = 10_000_000  # 10k CNY, as the match pipeline allows


@dataclass(frozen=True)
class TeamForm:
    name: str
    region: str | None = None
    area: str = ""
    theme_fields: tuple[str, ...] = ()
    size: int = 5


@dataclass(frozen=True)
class VisitForm:
    visit_on: date | None
    enterprises: str = ""  # one per line
    problems_solved: int | None = 0
    followup_needs: int | None = 0
    contracts: int | None = 0
    contract_value: str = ""
    notes: str = ""


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")


def _clean_team(form: TeamForm) -> dict[str, object]:
    problems: list[ValidationFailed] = []
    name = form.name.strip()
    if not name:
        problems.append(ValidationFailed("title_required", field="name"))
    elif len(name) > NAME_MAX:
        problems.append(ValidationFailed("too_long", field="name", max=NAME_MAX))
    if form.region and form.region not in taxonomy.REGIONS:
        problems.append(ValidationFailed("bad_choice", field="region"))
    if any(f not in taxonomy.FIELDS for f in form.theme_fields):
        problems.append(ValidationFailed("bad_choice", field="theme_fields"))
    if not 1 <= form.size <= MAX_SIZE:
        problems.append(ValidationFailed("team_size_range", field="size", max=MAX_SIZE))
    area = form.area.strip()
    if len(area) > NAME_MAX:
        problems.append(ValidationFailed("too_long", field="area", max=NAME_MAX))
    raise_all(problems)
    return {
        "name": name,
        "region": form.region or None,
        "area": area,
        "theme_fields": list(dict.fromkeys(form.theme_fields)),
        "size": form.size,
    }


def create_team(session: Session, actor: User, form: TeamForm) -> ServiceTeam:
    _require_staff(actor)
    team = ServiceTeam(created_by_id=actor.id, **_clean_team(form))
    session.add(team)
    session.flush()
    audit.record(session, actor, "expert_team.created", "expert_team", team.id)
    return team


def open_needs(session: Session, team: ServiceTeam) -> list[Need]:
    """Published needs in the team's region and theme fields (either may be open)."""
    stmt = sa.select(Need).where(Need.state == ListingState.PUBLISHED)
    if team.region:
        stmt = stmt.where(Need.region == team.region)
    if team.theme_fields:
        stmt = stmt.where(Need.field.in_(team.theme_fields))
    return list(session.scalars(stmt.order_by(Need.id)))


def _scores(session: Session, needs: list[Need]) -> list[coverage.MatchScore]:
    """Expert proposals (not rejected) of these needs at the medium band or above."""
    if not needs:
        return []
    rows = session.execute(
        sa.select(Match.expert_id, Match.need_id, Match.score)
        .join(ExpertProfile, ExpertProfile.id == Match.expert_id)
        .where(
            Match.need_id.in_([n.id for n in needs]),
            Match.expert_id.is_not(None),
            Match.state != MatchState.REJECTED,
            Match.state != MatchState.DROPPED,
            Match.score >= scoring.MEDIUM,
            ExpertProfile.state == ExpertState.PUBLISHED,
        )
    ).all()
    return [coverage.MatchScore(e, n, float(s)) for e, n, s in rows if e is not None]


def recommend(session: Session, actor: User, team: ServiceTeam) -> coverage.Lineup:
    """Fill the team with the experts covering the most open needs; staff-chosen (pinned)
    members stay, recommended ones are replaced."""
    _require_staff(actor)
    scores = _scores(session, open_needs(session, team))
    pinned = {m.expert_id for m in team.members if m.is_pinned}
    candidates = {s.achievement_id for s in scores} | pinned
    result = coverage.recommend_lineup(
        sorted(candidates), scores, team.size, pinned=pinned, min_score=scoring.MEDIUM
    )
    chosen = {item.achievement_id: item for item in result.items}
    for member in list(team.members):
        if member.expert_id not in chosen:
            team.members.remove(member)
    present = {m.expert_id: m for m in team.members}
    for expert_id, item in chosen.items():
        kept = present.get(expert_id)
        if kept is None:
            kept = ServiceTeamMember(expert_id=expert_id, is_pinned=False)
            team.members.append(kept)
        kept.covered_need_ids = list(item.covers)
    session.flush()
    audit.record(
        session,
        actor,
        "expert_team.recommended",
        "expert_team",
        team.id,
        members=sorted(chosen),
        needs_covered=result.needs_covered,
    )
    return result


def add_member(session: Session, actor: User, team: ServiceTeam, expert: ExpertProfile) -> None:
    """Staff add an expert by hand; the recommendation keeps them."""
    _require_staff(actor)
    if expert.state != ExpertState.PUBLISHED:
        raise ValidationFailed("expert_not_published", field="expert_id")
    member = next((m for m in team.members if m.expert_id == expert.id), None)
    if member is None:
        team.members.append(ServiceTeamMember(expert_id=expert.id, is_pinned=True))
    else:
        member.is_pinned = True
    session.flush()
    audit.record(
        session, actor, "expert_team.member_added", "expert_team", team.id, expert=expert.id
    )


def remove_member(session: Session, actor: User, team: ServiceTeam, expert_id: int) -> None:
    _require_staff(actor)
    for member in list(team.members):
        if member.expert_id == expert_id:
            team.members.remove(member)
    session.flush()
    audit.record(
        session, actor, "expert_team.member_removed", "expert_team", team.id, expert=expert_id
    )


def _count(problems: list[ValidationFailed], value: int | None, name: str) -> int:
    if value is None or value < 0:
        problems.append(ValidationFailed("bad_count", field=name))
        return 0
    return value


def record_visit(session: Session, actor: User, team: ServiceTeam, form: VisitForm) -> ServiceVisit:
    """A visit: its date, the enterprises visited and the outcome counts."""
    _require_staff(actor)
    problems: list[ValidationFailed] = []
    if form.visit_on is None:
        problems.append(ValidationFailed("bad_date", field="visit_on"))
    enterprises = [line.strip() for line in form.enterprises.splitlines() if line.strip()]
    if not enterprises:
        problems.append(ValidationFailed("enterprises_required", field="enterprises"))
    elif len(enterprises) > MAX_ENTERPRISES or any(len(e) > NAME_MAX for e in enterprises):
        problems.append(ValidationFailed("too_long", field="enterprises", max=NAME_MAX))
    counts = {
        name: _count(problems, getattr(form, name), name)
        for name in ("problems_solved", "followup_needs", "contracts")
    }
    value: float | None = None
    raw = form.contract_value.replace(",", "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 <= value <= MAX_CONTRACT_VALUE:
            problems.append(ValidationFailed("bad_amount", field="contract_value"))
    notes = form.notes.strip()
    if len(notes) > NOTES_MAX:
        problems.append(ValidationFailed("too_long", field="notes", max=NOTES_MAX))
    raise_all(problems)
    assert form.visit_on is not None
    visit = ServiceVisit(
        visit_on=form.visit_on,
        enterprises=enterprises,
        contract_value=value,
        notes=notes,
        created_by_id=actor.id,
        **counts,
    )
    team.visits.append(visit)
    session.flush()
    audit.record(session, actor, "expert_team.visit_recorded", "expert_team", team.id)
    return visit


def whole(raw: str | None) -> int | None:
    """A count typed in a form (None: not a whole number)."""
    return whole_number((raw or "0").strip() or "0", maximum=10**6)


@dataclass(frozen=True)
class TeamReport:
    team: ServiceTeam
    members: int
    visits: int
    enterprises: int
    problems_solved: int
    followup_needs: int
    contracts: int
    contract_value: float


def _report(team: ServiceTeam) -> TeamReport:
    visits = team.visits
    return TeamReport(
        team=team,
        members=len(team.members),
        visits=len(visits),
        enterprises=len({e for v in visits for e in v.enterprises}),
        problems_solved=sum(v.problems_solved for v in visits),
        followup_needs=sum(v.followup_needs for v in visits),
        contracts=sum(v.contracts for v in visits),
        contract_value=sum(float(v.contract_value or 0) for v in visits),
    )


def all_teams(session: Session) -> list[ServiceTeam]:
    return list(session.scalars(sa.select(ServiceTeam).order_by(ServiceTeam.id.desc())))


def report(session: Session) -> tuple[list[TeamReport], list[dict[str, object]]]:
    """Per team, and per region (teams without a region under "")."""
    teams = [_report(t) for t in all_teams(session)]
    regions: dict[str, dict[str, object]] = defaultdict(
        lambda: {
            "teams": 0,
            "visits": 0,
            "enterprises": 0,
            "problems_solved": 0,
            "followup_needs": 0,
            "contracts": 0,
            "contract_value": 0.0,
        }
    )
    for row in teams:
        totals = regions[row.team.region or ""]
        totals["teams"] = int(totals["teams"]) + 1  # type: ignore[call-overload]
        for name in (
            "visits",
            "enterprises",
            "problems_solved",
            "followup_needs",
            "contracts",
        ):
            totals[name] = int(totals[name]) + getattr(row, name)  # type: ignore[call-overload]
        totals["contract_value"] = float(totals["contract_value"]) + row.contract_value  # type: ignore[arg-type]
    by_region = [{"region": region, **values} for region, values in sorted(regions.items())]
    return teams, by_region


def candidates(session: Session) -> list[ExpertProfile]:
    """Published experts staff may add to a team by hand."""
    return list(
        session.scalars(
            sa.select(ExpertProfile)
            .where(ExpertProfile.state == ExpertState.PUBLISHED)
            .order_by(ExpertProfile.name)
        )
    )
