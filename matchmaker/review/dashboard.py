"""Figures for the staff dashboard: the match funnel, time to first decision, workload.

A match counts for every stage it ever reached (from its history), so a pair that met and was
then dropped still counts as "meeting": the funnel shows how far pairs get, not where they are.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.accounts import operations as accounts
from matchmaker.db import count_rows, utcnow
from matchmaker.models import Match, MatchEvent, MatchState, Need, User
from matchmaker.review.pipeline import OPEN_PIPELINE

FUNNEL = (
    MatchState.PROPOSED,
    MatchState.APPROVED,
    MatchState.INTRODUCED,
    MatchState.MEETING,
    MatchState.SIGNED,
)


@dataclass
class Funnel:
    label: str | None
    stages: dict[str, int] = field(default_factory=dict)

    @property
    def proposed(self) -> int:
        return self.stages.get("proposed", 0)

    def rate(self, stage: str) -> float:
        return self.stages.get(stage, 0) / self.proposed if self.proposed else 0.0


def _reached(session: Session, group: sa.ColumnElement | None) -> dict[tuple[str | None, str], int]:
    """(group value, stage) → number of matches that reached the stage."""
    stage_rows = sa.select(MatchEvent.match_id, MatchEvent.to_state).where(
        MatchEvent.to_state.in_(FUNNEL[1:])
    )
    # signed implies every earlier stage, even when staff skipped one
    implied = []
    for i, stage in enumerate(FUNNEL[1:], start=1):
        later = FUNNEL[i:]
        implied.append(
            sa.select(MatchEvent.match_id, sa.literal(stage.value).label("to_state")).where(
                MatchEvent.to_state.in_(later)
            )
        )
    reached = sa.union(stage_rows, *implied).subquery()
    key = group if group is not None else sa.literal(None)
    counts: dict[tuple[str | None, str], int] = {}
    for value, stage, count in session.execute(
        sa.select(key, reached.c.to_state, sa.func.count(sa.distinct(reached.c.match_id)))
        .select_from(reached)
        .join(Match, Match.id == reached.c.match_id)
        .join(Need, Need.id == Match.need_id)
        .group_by(key, reached.c.to_state)
    ):
        counts[(value, str(stage))] = count
    for value, count in session.execute(
        sa.select(key, sa.func.count(Match.id)).join(Need, Need.id == Match.need_id).group_by(key)
    ):
        counts[(value, MatchState.PROPOSED.value)] = count
    return counts


def funnels(session: Session, by: str | None = None) -> list[Funnel]:
    """One funnel overall (by=None) or one per need field / need region, largest first."""
    group = {"field": Need.field, "region": Need.region}.get(by or "")
    counts = _reached(session, group)
    labels = sorted({value for value, _stage in counts}, key=lambda v: (v is None, str(v)))
    result = [
        Funnel(value, {stage.value: counts.get((value, stage.value), 0) for stage in FUNNEL})
        for value in labels
    ]
    result.sort(key=lambda f: -f.proposed)
    return result or [Funnel(None, {stage.value: 0 for stage in FUNNEL})]


@dataclass
class DecisionTimes:
    decided: int
    median_hours: float | None
    p90_hours: float | None


def time_to_first_decision(session: Session, days: int = 90) -> DecisionTimes:
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        sa.select(Match.created_at, Match.first_decided_at).where(
            Match.first_decided_at.is_not(None), Match.first_decided_at >= since
        )
    ).all()
    hours = sorted((decided - created).total_seconds() / 3600 for created, decided in rows)
    if not hours:
        return DecisionTimes(0, None, None)
    p90 = hours[min(len(hours) - 1, round(0.9 * (len(hours) - 1)))]
    return DecisionTimes(len(hours), statistics.median(hours), p90)


@dataclass
class Workload:
    user: User
    open_assigned: int
    stuck: int
    decisions_30d: int


def workload(session: Session, stuck_days: int) -> list[Workload]:
    staff = accounts.active_staff(session)
    open_counts = dict(
        session.execute(
            sa.select(Match.assignee_id, sa.func.count())
            .where(Match.state.in_((MatchState.PROPOSED, *OPEN_PIPELINE)))
            .group_by(Match.assignee_id)
        ).all()
    )
    stuck_counts = dict(
        session.execute(
            sa.select(Match.assignee_id, sa.func.count())
            .where(
                Match.state.in_(OPEN_PIPELINE),
                Match.state_changed_at < utcnow() - timedelta(days=stuck_days),
            )
            .group_by(Match.assignee_id)
        ).all()
    )
    decision_counts = dict(
        session.execute(
            sa.select(MatchEvent.actor_id, sa.func.count())
            .where(
                MatchEvent.created_at >= utcnow() - timedelta(days=30),
                MatchEvent.from_state != MatchEvent.to_state,
                MatchEvent.actor_id.is_not(None),
            )
            .group_by(MatchEvent.actor_id)
        ).all()
    )
    return [
        Workload(
            user,
            open_counts.get(user.id, 0),
            stuck_counts.get(user.id, 0),
            decision_counts.get(user.id, 0),
        )
        for user in staff
    ]


def count_in_state(session: Session, state: MatchState) -> int:
    """How many matches are in `state`."""
    return count_rows(session, Match, Match.state == state)
