"""Writing matches: one row per pair, upserted; decided pairs are never touched again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.matching import ranker, scoring
from matchmaker.models import Achievement, ListingState, Match, MatchEvent, MatchState, Need
from matchmaker.search.engine import SearchEngine

PROPOSALS_PER_LISTING = 20


def _upsert(session: Session, item: ranker.Ranked) -> str:
    existing = session.scalar(
        sa.select(Match).where(
            Match.need_id == item.need.id, Match.achievement_id == item.achievement.id
        )
    )
    if existing is not None:
        if existing.state != MatchState.PROPOSED:
            return "kept"  # a decided pair (rejected or in the pipeline) is never rewritten
        existing.score = item.score
        existing.components = item.components
        existing.explanation = item.explanation
        return "updated"
    try:
        with session.begin_nested():  # another worker may insert the same pair concurrently
            match = Match(
                need_id=item.need.id,
                achievement_id=item.achievement.id,
                score=item.score,
                components=item.components,
                explanation=item.explanation,
                state=MatchState.PROPOSED,
                state_changed_at=utcnow(),
            )
            session.add(match)
            session.flush()
            session.add(
                MatchEvent(
                    match_id=match.id, to_state=MatchState.PROPOSED, note="proposed by the matcher"
                )
            )
    except IntegrityError:
        return "kept"
    return "created"


def match_listing(
    session: Session, engine: SearchEngine, listing: Achievement | Need, today: date | None = None
) -> dict[str, int]:
    """Propose matches for a published need (achievements) or achievement (needs)."""
    counts = {"created": 0, "updated": 0, "kept": 0}
    if listing.state != ListingState.PUBLISHED:
        return counts
    for item in ranker.for_listing(session, engine, listing, PROPOSALS_PER_LISTING, today):
        if item.score >= scoring.MIN_PROPOSAL_SCORE:
            counts[_upsert(session, item)] += 1
    session.flush()
    return counts


def match_all(
    session: Session, engine: SearchEngine, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Re-match every published need (the batch job); commits after each need."""
    need_ids = session.scalars(
        sa.select(Need.id).where(Need.state == ListingState.PUBLISHED).order_by(Need.id)
    ).all()
    totals = {"created": 0, "updated": 0, "kept": 0}
    for done, need_id in enumerate(need_ids, start=1):
        need = session.get(Need, need_id)
        if need is not None:
            for key, value in match_listing(session, engine, need).items():
                totals[key] += value
        session.commit()
        if progress:
            progress(done, len(need_ids))
    return totals
