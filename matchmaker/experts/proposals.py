"""Expert proposals for the staff queue: need ↔ expert pairs as `Match` rows (expert_id set,
achievement_id empty), so review, introduction and the deal pipeline are the listings' own
(review/pipeline.py) and the queue filters them by kind.

As for listings: one row per pair, upserted; a decided pair is never touched again; an
undecided, unassigned proposal that no longer reaches the medium band is withdrawn.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.experts import matching as expert_matching
from matchmaker.models import ExpertProfile, ExpertState, ListingState, Match, MatchState, Need
from matchmaker.search.engine import SearchEngine

PROPOSALS_PER_SIDE = 10


def _store(session: Session, pairs: list[expert_matching.ExpertPair], stale: list[Match]) -> dict:
    counts = {"created": 0, "updated": 0, "kept": 0, "withdrawn": 0}
    existing = {(m.need_id, m.expert_id): m for m in stale}
    for pair in pairs:
        match = existing.pop((pair.need.id, pair.expert.id), None)
        components = {"relevance": round(pair.score, 4)}
        if match is None:
            match = Match(
                need_id=pair.need.id,
                expert_id=pair.expert.id,
                score=pair.score,
                components=components,
                explanation=pair.explanation,
            )
            session.add(match)
            session.add(match.move_to(MatchState.PROPOSED, None, "proposed by the matcher"))
            counts["created"] += 1
        elif match.state != MatchState.PROPOSED:
            counts["kept"] += 1  # decided: never rewritten
        else:
            match.score, match.components = pair.score, components
            match.explanation = pair.explanation
            counts["updated"] += 1
    for match in existing.values():
        if match.state == MatchState.PROPOSED and match.assignee_id is None:
            session.delete(match)
            counts["withdrawn"] += 1
    session.flush()
    return counts


def propose_for_need(session: Session, engine: SearchEngine, need: Need) -> dict:
    """Propose the experts who could help with a published need."""
    current = list(
        session.scalars(
            sa.select(Match).where(Match.need_id == need.id, Match.expert_id.is_not(None))
        )
    )
    if need.state != ListingState.PUBLISHED:
        return _store(session, [], current)
    pairs = expert_matching.experts_for_need(
        session, engine, need, None, PROPOSALS_PER_SIDE, for_review=True
    )
    return _store(session, pairs, current)


def propose_for_expert(session: Session, engine: SearchEngine, expert: ExpertProfile) -> dict:
    """Propose a published expert for the open needs in their directions."""
    current = list(session.scalars(sa.select(Match).where(Match.expert_id == expert.id)))
    if expert.state != ExpertState.PUBLISHED:
        return _store(session, [], current)
    pairs = expert_matching.needs_for_expert(
        session, engine, expert, None, PROPOSALS_PER_SIDE, for_review=True
    )
    return _store(session, pairs, current)


def propose_all(session: Session, engine: SearchEngine) -> int:
    """Propose every published expert for the open needs (a new site, or after the index was
    rebuilt); commits after each expert. Returns how many proposals were created."""
    ids = session.scalars(
        sa.select(ExpertProfile.id)
        .where(ExpertProfile.state == ExpertState.PUBLISHED)
        .order_by(ExpertProfile.id)
    ).all()
    created = 0
    for expert_id in ids:
        expert = session.get(ExpertProfile, expert_id)
        if expert is not None:
            created += propose_for_expert(session, engine, expert)["created"]
            session.commit()
    return created
