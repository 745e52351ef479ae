"""The staff match queue: filters, sorting and keyset pagination that stay fast at 50k matches.

Keyset pagination ("after this row") keeps every page one index range scan, where OFFSET would
read and discard all earlier rows on deep pages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager

from matchmaker.db import utcnow
from matchmaker.matching import scoring
from matchmaker.models import Achievement, ListingState, Match, MatchState, Need
from matchmaker.services.pipeline import OPEN_PIPELINE

PAGE_SIZE = 50
# strength bands shown to staff (matching/scoring.py), never a raw cosine
BANDS = {
    "high": (scoring.STRONG, None),
    "medium": (scoring.MEDIUM, scoring.STRONG),
    "low": (None, scoring.MEDIUM),
}
SORTS = ("score", "newest", "oldest", "waiting")
STATE_FILTERS = (
    "proposed",
    "pipeline",
    "attention",
    "inactive",
    "all",
    *[s.value for s in MatchState],
)


@dataclass(frozen=True)
class QueueFilter:
    state: str = "proposed"
    field: str | None = None
    region: str | None = None
    band: str | None = None
    min_age_days: int | None = None
    assignee: str | None = None  # a user id, "me" or "none"
    need_id: int | None = None
    sort: str = "score"
    after: str | None = None  # keyset cursor from the previous page

    @classmethod
    def from_params(cls, params: Any) -> QueueFilter:
        """Build from query-string-like params, dropping values that make no sense."""

        def text(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value[:60] or None

        def number(name: str) -> int | None:
            value = text(name)
            return int(value) if value and value.isdigit() and len(value) < 9 else None

        state = text("state") or "proposed"
        sort = text("sort") or "score"
        band = text("band")
        return cls(
            state=state if state in STATE_FILTERS else "proposed",
            field=text("field"),
            region=text("region"),
            band=band if band in BANDS else None,
            min_age_days=number("min_age_days"),
            assignee=text("assignee"),
            need_id=number("need_id"),
            sort=sort if sort in SORTS else "score",
            after=text("after"),
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string parameters for this filter (links to other pages and exports)."""
        current = replace(self, **changes)
        return {k: v for k, v in current.__dict__.items() if v not in (None, "")}


@dataclass
class QueuePage:
    matches: list[Match]
    total: int
    next_cursor: str | None


def _stuck_before(stuck_days: int) -> datetime:
    return utcnow() - timedelta(days=stuck_days)


def _conditions(
    f: QueueFilter, need: Any, achievement: Any, me: int | None, stuck_days: int
) -> list[Any]:
    active = sa.and_(
        need.state == ListingState.PUBLISHED, achievement.state == ListingState.PUBLISHED
    )
    conditions: list[Any] = []
    if f.state == "proposed":
        conditions += [Match.state == MatchState.PROPOSED, active]
    elif f.state == "pipeline":
        conditions.append(Match.state.in_(OPEN_PIPELINE))
    elif f.state == "attention":
        conditions += [
            Match.state.in_(OPEN_PIPELINE),
            Match.state_changed_at < _stuck_before(stuck_days),
        ]
    elif f.state == "inactive":
        # proposals whose need or achievement expired, was withdrawn or archived
        conditions += [Match.state == MatchState.PROPOSED, sa.not_(active)]
    elif f.state != "all":
        conditions.append(Match.state == MatchState(f.state))
    if f.field:
        conditions.append(sa.or_(need.field == f.field, achievement.field == f.field))
    if f.region:
        conditions.append(need.region == f.region)
    if f.band:
        low, high = BANDS[f.band]
        if low is not None:
            conditions.append(Match.score >= low)
        if high is not None:
            conditions.append(Match.score < high)
    if f.min_age_days:
        conditions.append(Match.created_at <= utcnow() - timedelta(days=f.min_age_days))
    if f.assignee == "none":
        conditions.append(Match.assignee_id.is_(None))
    elif f.assignee == "me" and me is not None:
        conditions.append(Match.assignee_id == me)
    elif f.assignee and f.assignee.isdigit():
        conditions.append(Match.assignee_id == int(f.assignee))
    if f.need_id:
        conditions.append(Match.need_id == f.need_id)
    return conditions


def _order(sort: str) -> tuple[Any, Any, bool]:
    """(sort column, tie-break column, descending)."""
    if sort == "newest":
        return Match.created_at, Match.id, True
    if sort == "oldest":
        return Match.created_at, Match.id, False
    if sort == "waiting":
        return Match.state_changed_at, Match.id, False
    return Match.score, Match.id, True


def _encode_cursor(value: Any, match_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return f"{value}|{match_id}"


def _decode_cursor(sort: str, cursor: str) -> tuple[Any, int] | None:
    value, _, raw_id = cursor.rpartition("|")
    if not raw_id.isdigit():
        return None
    try:
        decoded: Any = float(value) if sort == "score" else datetime.fromisoformat(value)
    except ValueError:
        return None
    return decoded, int(raw_id)


def filtered_select(
    f: QueueFilter, me: int | None = None, stuck_days: int = 14
) -> sa.Select[tuple[Match]]:
    """Matches with their need and achievement loaded, filtered, in the chosen order."""
    need, achievement = aliased(Need), aliased(Achievement)
    column, tie, descending = _order(f.sort)
    query = (
        sa.select(Match)
        .join(need, Match.need)
        .join(achievement, Match.achievement)
        .options(contains_eager(Match.need.of_type(need)))
        .options(contains_eager(Match.achievement.of_type(achievement)))
        .where(*_conditions(f, need, achievement, me, stuck_days))
    )
    ordering = (column.desc(), tie.desc()) if descending else (column.asc(), tie.asc())
    return query.order_by(*ordering)


def page(
    session: Session,
    f: QueueFilter,
    me: int | None = None,
    stuck_days: int = 14,
    size: int = PAGE_SIZE,
) -> QueuePage:
    query = filtered_select(f, me, stuck_days)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    column, tie, descending = _order(f.sort)
    cursor = _decode_cursor(f.sort, f.after) if f.after else None
    if cursor is not None:
        value, last_id = cursor
        if descending:
            query = query.where(sa.or_(column < value, sa.and_(column == value, tie < last_id)))
        else:
            query = query.where(sa.or_(column > value, sa.and_(column == value, tie > last_id)))
    rows = list(session.scalars(query.limit(size + 1)).unique())
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, column.key), last.id)
    return QueuePage(rows, total or 0, next_cursor)


def counts_by_tab(session: Session, stuck_days: int = 14) -> dict[str, int]:
    """Badge counts for the queue tabs."""
    result = {}
    for tab in ("proposed", "pipeline", "attention", "inactive"):
        query = filtered_select(QueueFilter(state=tab), stuck_days=stuck_days).order_by(None)
        result[tab] = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    return result
