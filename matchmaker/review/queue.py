"""The staff match queue: filters, sorting and keyset pagination that stay fast at 50k matches.

Keyset pagination ("after this row") keeps every page one index range scan, where OFFSET would
read and discard all earlier rows on deep pages.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from matchmaker.core.numbers import whole_number
from matchmaker.db import utcnow
from matchmaker.matching import scoring
from matchmaker.models import (
    MATCH_SUBJECT,
    Achievement,
    Conversation,
    ExpertProfile,
    ExpertState,
    ListingState,
    Match,
    MatchState,
    Need,
)
from matchmaker.review.pipeline import OPEN_PIPELINE

PAGE_SIZE = 50
# strength bands shown to staff (matching/scoring.py), never a raw cosine
BANDS = {
    "high": (scoring.STRONG, None),
    "medium": (scoring.MEDIUM, scoring.STRONG),
    "low": (None, scoring.MEDIUM),
}
SORTS = ("score", "newest", "oldest", "waiting")
# what the need is paired with (issue 22): an achievement or an expert; None: both
KINDS = ("achievement", "expert")
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
    kind: str | None = None  # "achievement" or "expert"; None: both
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
            return whole_number(value, maximum=10**8)

        state = text("state") or "proposed"
        sort = text("sort") or "score"
        band = text("band")
        kind = text("kind")
        return cls(
            kind=kind if kind in KINDS else None,
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

    def only_tab(self) -> bool:
        """No filter besides the tab (sorting and paging do not change the count)."""
        narrowing = replace(self, state="proposed", sort="score", after=None)
        return narrowing == QueueFilter()

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string parameters for this filter (links to other pages and exports)."""
        current = replace(self, **changes)
        return {k: v for k, v in current.__dict__.items() if v not in (None, "")}


# A filtered list counts its rows up to here ("more than 1,000"): an exact count of a broad
# filter over 50k matches costs more than the page itself.
COUNT_CAP = 1000


@dataclass
class QueuePage:
    matches: list[Match]
    total: int
    next_cursor: str | None
    total_is_capped: bool = False  # more than COUNT_CAP: counting further costs, tells nothing


def _stuck_before(stuck_days: int) -> datetime:
    return utcnow() - timedelta(days=stuck_days)


# a match's conversation whose newest message has waited this long for a reply needs attention
QUIET_DAYS = 7


def quiet_before() -> datetime:
    return utcnow() - timedelta(days=QUIET_DAYS)


def quiet_thread() -> Any:
    """The match's thread has had no new message for QUIET_DAYS (a thread nobody wrote in yet
    is covered by the stage's own "stuck" rule)."""
    return sa.exists().where(
        Conversation.subject_kind == MATCH_SUBJECT,
        Conversation.subject_id == Match.id,
        Conversation.last_message_at < quiet_before(),
    )


def _conditions(
    f: QueueFilter, need: Any, achievement: Any, me: int | None, stuck_days: int, expert: Any
) -> list[Any]:
    # the other side is an achievement or an expert (outer-joined; exactly one is there)
    active = sa.and_(
        need.state == ListingState.PUBLISHED,
        sa.or_(achievement.state == ListingState.PUBLISHED, expert.state == ExpertState.PUBLISHED),
    )
    conditions: list[Any] = []
    if f.kind == "achievement":
        conditions.append(Match.expert_id.is_(None))
    elif f.kind == "expert":
        conditions.append(Match.expert_id.is_not(None))
    if f.state == "proposed":
        conditions += [Match.state == MatchState.PROPOSED, active]
    elif f.state == "pipeline":
        conditions.append(Match.state.in_(OPEN_PIPELINE))
    elif f.state == "attention":
        conditions += [
            Match.state.in_(OPEN_PIPELINE),
            sa.or_(Match.state_changed_at < _stuck_before(stuck_days), quiet_thread()),
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
    elif f.assignee and whole_number(f.assignee) is not None:
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
    if whole_number(raw_id) is None:
        return None
    try:
        decoded: Any = float(value) if sort == "score" else datetime.fromisoformat(value)
    except ValueError:
        return None
    if isinstance(decoded, float) and not math.isfinite(decoded):
        return None
    return decoded, int(raw_id)


def filtered_select(
    f: QueueFilter, me: int | None = None, stuck_days: int = 14
) -> sa.Select[tuple[Match]]:
    """Matches with their need and achievement loaded, filtered, in the chosen order."""
    need, achievement, expert = aliased(Need), aliased(Achievement), aliased(ExpertProfile)
    column, tie, descending = _order(f.sort)
    query = (
        sa.select(Match)
        .join(need, Match.need)
        .outerjoin(achievement, Match.achievement)
        .outerjoin(expert, Match.expert)
        .options(contains_eager(Match.need.of_type(need)).selectinload(need.organisation))
        .options(
            contains_eager(Match.achievement.of_type(achievement)).selectinload(
                achievement.organisation
            )
        )
        .options(contains_eager(Match.expert.of_type(expert)))
        .options(selectinload(Match.assignee))
        .where(*_conditions(f, need, achievement, me, stuck_days, expert))
    )
    ordering = (column.desc(), tie.desc()) if descending else (column.asc(), tie.asc())
    return query.order_by(*ordering)


def next_proposed_id(session: Session, match: Match) -> int | None:
    """The proposal after `match` in the default queue order (the card's "next" button)."""
    need, achievement, expert = aliased(Need), aliased(Achievement), aliased(ExpertProfile)
    # a row comparison, so the database can seek in (state, score, id) instead of filtering
    after = sa.tuple_(Match.score, Match.id) < sa.tuple_(match.score, match.id)
    query = (
        sa.select(Match.id)
        .join(need, Match.need)
        .outerjoin(achievement, Match.achievement)
        .outerjoin(expert, Match.expert)
        .where(*_conditions(QueueFilter(), need, achievement, None, 0, expert), after)
        .order_by(Match.score.desc(), Match.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def page(
    session: Session,
    f: QueueFilter,
    me: int | None = None,
    stuck_days: int = 14,
    size: int = PAGE_SIZE,
    tab_counts: dict[str, int] | None = None,
) -> QueuePage:
    """One page after the cursor. `tab_counts` (from counts_by_tab) saves counting again when
    the filter is a tab and nothing else."""
    query = filtered_select(f, me, stuck_days)
    if tab_counts is not None and f.state in tab_counts and f.only_tab():
        total: int | None = tab_counts[f.state]
    else:
        capped = query.order_by(None).with_only_columns(Match.id).limit(COUNT_CAP + 1)
        total = session.scalar(sa.select(sa.func.count()).select_from(capped.subquery()))
    column, tie, descending = _order(f.sort)
    cursor = _decode_cursor(f.sort, f.after) if f.after else None
    if cursor is not None:
        value, last_id = cursor
        # row comparisons: the database seeks in (state, column, id) instead of filtering
        position = sa.tuple_(column, tie)
        cursor_row = sa.tuple_(sa.literal(value, column.type), sa.literal(last_id, tie.type))
        query = query.where(position < cursor_row if descending else position > cursor_row)
    rows = list(session.scalars(query.limit(size + 1)).unique())
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = _encode_cursor(getattr(last, column.key), last.id)
    total = total or 0
    if total > COUNT_CAP and not (tab_counts is not None and f.only_tab()):
        return QueuePage(rows, COUNT_CAP, next_cursor, total_is_capped=True)
    return QueuePage(rows, total, next_cursor)


COUNTED_TABS = ("proposed", "pipeline", "attention", "inactive")


# Badge counts join every open match to both listings (~70 ms at 50k matches on SQLite, more
# than the rest of the page). Under load a few seconds' staleness is fine for badges; a
# process forgets its copy when it records a decision itself.
_counts_cache: dict[tuple[str, int], tuple[float, dict[str, int]]] = {}
_counts_lock = threading.Lock()


def forget_counts() -> None:
    with _counts_lock:
        _counts_cache.clear()


def counts_by_tab(session: Session, stuck_days: int = 14, max_age: float = 0.0) -> dict[str, int]:
    """Badge counts for the queue tabs (the same conditions as the tabs' lists); `max_age`
    seconds lets this process reuse counts it made that recently."""
    key = (str(session.get_bind().url), stuck_days)
    now = time.monotonic()
    with _counts_lock:
        cached = _counts_cache.get(key)
    if cached is not None and now - cached[0] < max_age:
        return dict(cached[1])
    counts = _count_tabs(session, stuck_days)
    with _counts_lock:
        _counts_cache[key] = (now, counts)
    return dict(counts)


def _count_tabs(session: Session, stuck_days: int) -> dict[str, int]:
    """One pass over the open matches."""
    need, achievement, expert = aliased(Need), aliased(Achievement), aliased(ExpertProfile)

    def counted(tab: str) -> Any:
        conditions = _conditions(
            QueueFilter(state=tab), need, achievement, None, stuck_days, expert
        )
        condition = sa.and_(*conditions)
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (
        sa.select(*(counted(tab) for tab in COUNTED_TABS))
        .select_from(Match)
        .join(need, Match.need)
        .outerjoin(achievement, Match.achievement)
        .outerjoin(expert, Match.expert)
        .where(Match.state.in_([MatchState.PROPOSED, *OPEN_PIPELINE]))
    )
    row = session.execute(query).one()
    return {tab: int(value) for tab, value in zip(COUNTED_TABS, row, strict=True)}


def need_values(session: Session, column: str) -> list[str]:
    """The distinct non-empty values of a need's `field` or `region` (the queue's filters)."""
    if column not in ("field", "region"):
        raise ValueError(column)
    col = getattr(Need, column)
    return [v for v in session.scalars(sa.select(col).distinct().order_by(col)) if v]


def export_rows(
    session: Session, f: QueueFilter, me: int | None, stuck_days: int, limit: int
) -> Iterator[Match]:
    """The filtered matches in the chosen order, at most `limit`, for a spreadsheet."""
    rows = session.scalars(filtered_select(f, me, stuck_days).limit(limit)).unique()
    return iter(cast(Iterable[Match], rows))
