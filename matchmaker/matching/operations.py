"""Writing matches: one row per pair, upserted; decided pairs are never touched again.

Only pairs that reach the proposal floor are proposed (ranker.Ranked.proposable; Match.score is
the pair's probability of being related, matching/scoring.py). A listing none of whose
candidates reaches it gets no proposal: it has no good match yet. An undecided proposal whose
pair is scored again under the floor (the texts changed, or an older score) is withdrawn: the
row and its history are deleted, as if it had never been proposed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.matching import ranker, scoring
from matchmaker.models import Achievement, ListingState, Match, MatchState, Need
from matchmaker.search.engine import SearchEngine

PROPOSALS_PER_LISTING = 20


def _existing(session: Session, items: list[ranker.Ranked]) -> dict[tuple[int, int | None], Match]:
    """The stored matches of these pairs, in one query."""
    need_ids = {item.need.id for item in items}
    achievement_ids = {item.achievement.id for item in items}
    rows = session.scalars(
        sa.select(Match).where(
            Match.need_id.in_(need_ids), Match.achievement_id.in_(achievement_ids)
        )
    )
    return {(m.need_id, m.achievement_id): m for m in rows}


def _new_match(session: Session, item: ranker.Ranked) -> None:
    match = Match(
        need_id=item.need.id,
        achievement_id=item.achievement.id,
        score=item.score,
        components=item.components,
        explanation=item.explanation,
    )
    session.add(match)
    session.add(match.move_to(MatchState.PROPOSED, None, "proposed by the matcher"))


def _insert(session: Session, items: list[ranker.Ranked]) -> int:
    """Insert the new pairs; returns how many were created. Another worker may insert some of
    the same pairs concurrently: then each is tried on its own and the losers are kept."""
    if not items:
        return 0
    try:
        with session.begin_nested():
            for item in items:
                _new_match(session, item)
            session.flush()
        return len(items)
    except IntegrityError:
        pass
    created = 0
    for item in items:
        try:
            with session.begin_nested():
                _new_match(session, item)
                session.flush()
            created += 1
        except IntegrityError:
            pass
    return created


def _upsert(session: Session, items: list[ranker.Ranked]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "kept": 0}
    existing = _existing(session, items)
    new: list[ranker.Ranked] = []
    for item in items:
        match = existing.get((item.need.id, item.achievement.id))
        if match is None:
            new.append(item)
        elif match.state != MatchState.PROPOSED:
            counts["kept"] += 1  # a decided pair (rejected or in the pipeline) is never rewritten
        else:
            match.score = item.score
            match.components = item.components
            match.explanation = item.explanation
            counts["updated"] += 1
    created = _insert(session, new)
    counts["created"] += created
    counts["kept"] += len(new) - created
    return counts


def match_listing(
    session: Session,
    engine: SearchEngine,
    listing: Achievement | Need,
    today: date | None = None,
) -> dict[str, int]:
    """Propose matches for a published need (achievements) or achievement (needs)."""
    if listing.state != ListingState.PUBLISHED:
        return {"created": 0, "updated": 0, "kept": 0, "withdrawn": 0}
    ranked = ranker.for_listing(session, engine, listing, PROPOSALS_PER_LISTING, today)
    counts = _upsert(session, [r for r in ranked if r.proposable])
    counts["withdrawn"] = _withdraw(session, [r for r in ranked if not r.proposable])
    session.flush()
    return counts


def _withdraw(session: Session, weak: list[ranker.Ranked]) -> int:
    """Delete the undecided proposals of pairs now scored under the floor."""
    if not weak:
        return 0
    stale = [m for m in _existing(session, weak).values() if m.state == MatchState.PROPOSED]
    wanted = {(r.need.id, r.achievement.id) for r in weak}
    removed = 0
    for match in stale:
        if (match.need_id, match.achievement_id) in wanted and match.assignee_id is None:
            session.delete(match)
            removed += 1
    return removed


def best_score(session: Session, listing: Achievement | Need) -> float | None:
    """The best score of the listing's matches that are still in play (None: it has none)."""
    column = Match.need_id if isinstance(listing, Need) else Match.achievement_id
    return session.scalar(
        sa.select(sa.func.max(Match.score)).where(
            column == listing.id, Match.state != MatchState.REJECTED
        )
    )


def unmet_needs(session: Session, settled: timedelta = timedelta(minutes=10)) -> list[Need]:
    """Published needs without a good match (what to recruit achievements or experts for),
    oldest first; needs published in the last minutes are left out (matching is under way)."""
    good = (
        sa.select(Match.need_id)
        .where(Match.state != MatchState.REJECTED, Match.score >= scoring.MIN_PROPOSAL_SCORE)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            sa.select(Need)
            .where(
                Need.state == ListingState.PUBLISHED,
                Need.published_at < utcnow() - settled,
                Need.id.not_in(good),
            )
            .order_by(Need.published_at, Need.id)
        )
    )


@dataclass(frozen=True)
class UnmetCounts:
    """Unmet needs counted by field, by region and by month published (oldest month first):
    what to recruit achievements and experts for, and whether the gap grows."""

    by_field: list[tuple[str | None, int]]
    by_region: list[tuple[str | None, int]]
    by_month: list[tuple[str, int]]


def unmet_counts(needs: list[Need]) -> UnmetCounts:
    """Counts of `unmet_needs` (expert proposals count as good matches too: a need is unmet
    when neither an achievement nor an expert fits it well)."""

    def ranked(values: Counter[str | None]) -> list[tuple[str | None, int]]:
        return sorted(values.items(), key=lambda item: (-item[1], item[0] or ""))

    months = Counter(f"{n.published_at:%Y-%m}" for n in needs if n.published_at is not None)
    return UnmetCounts(
        by_field=ranked(Counter(n.field for n in needs)),
        by_region=ranked(Counter(n.region for n in needs)),
        by_month=sorted(months.items()),
    )


def has_good_match(score: float | None) -> bool:
    """Whether a listing whose best proposal scores `score` (None: it has none) has a match
    worth showing; otherwise it has "no good match yet"."""
    return score is not None and scoring.is_good_match(score)


# needs loaded together in the batch job
BATCH = 64


def match_all(
    session: Session, engine: SearchEngine, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Re-match every published need (the batch job); commits after each need."""
    need_ids = session.scalars(
        sa.select(Need.id).where(Need.state == ListingState.PUBLISHED).order_by(Need.id)
    ).all()
    totals = {"created": 0, "updated": 0, "kept": 0, "withdrawn": 0}
    done = 0
    for start in range(0, len(need_ids), BATCH):
        chunk = need_ids[start : start + BATCH]
        loaded = {n.id: n for n in session.scalars(sa.select(Need).where(Need.id.in_(chunk)))}
        for need_id in chunk:
            need = loaded.get(need_id)
            if need is not None:
                counts = match_listing(session, engine, need)
                for key, value in counts.items():
                    totals[key] = totals.get(key, 0) + value
            session.commit()
            done += 1
            if progress:
                progress(done, len(need_ids))
    return totals
