"""Need ↔ expert, both ways, with the listings' retrieval, relevance model and bands.

An expert is a document of kind "expert" in the same index (search/documents.expert_text:
directions + representative achievements). Candidates come from the same fused BM25 ∪ kNN
retrieval (search/retrieval.retrieve); each pair's strength is the same calibrated probability
(search/relevance.probability, the need as the query side whichever side searched), banded by
matching/scoring.strength; only medium and strong pairs are shown ("no good expert yet" is a
valid answer). The explanation has the listings' shape (shared terms, best sentence pair, checks).
Field and region are shown as checks; they do not move the probability (no calibration for
experts exists yet; scripts/evaluate.py measures retrieval).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.backends import Hit
from matchmaker import visibility
from matchmaker.matching import compatibility, explain, scoring
from matchmaker.models import ExpertProfile, ExpertState, ListingState, Need, User
from matchmaker.search import relevance
from matchmaker.search.documents import (
    EXPERT_KIND,
    doc_id,
    expert_text,
    listing_text,
    parse_doc_id,
    representative_achievements,
)
from matchmaker.search.engine import SearchEngine
from matchmaker.search.retrieval import CANDIDATES, retrieve

SHOWN_BANDS = ("high", "medium")
LIMIT = 10


@dataclass
class ExpertPair:
    expert: ExpertProfile
    need: Need
    score: float  # P(related), relevance.probability
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def strength(self) -> str:
        return scoring.strength(self.score)


def _checks(expert: ExpertProfile, need: Need) -> list[dict[str, str]]:
    if need.field is None or not expert.fields:
        field_result = compatibility.Result.UNKNOWN
    elif need.field in expert.fields:
        field_result = compatibility.Result.PASSED
    elif any(frozenset({need.field, f}) in compatibility.RELATED_FIELDS for f in expert.fields):
        field_result = compatibility.Result.PARTIAL
    else:
        field_result = compatibility.Result.DIFFERENT
    if need.region is None or expert.region is None:
        region_result = compatibility.Result.UNKNOWN
    elif need.region == expert.region:
        region_result = compatibility.Result.PASSED
    else:
        region_result = compatibility.Result.DIFFERENT
    return [
        {"name": "field", "result": str(field_result)},
        {"name": "region", "result": str(region_result)},
    ]


def _explain(pair: ExpertPair, need_text: str, expert_text_: str, rank: int) -> dict[str, Any]:
    sentences = explain.best_sentence_pair(need_text, expert_text_)
    return {
        "rank": rank,
        "strength": pair.strength,
        "shared_terms": explain.shared_terms(need_text, expert_text_),
        "sentences": {"need": sentences[0], "expert": sentences[1]} if sentences else None,
        "checks": _checks(pair.expert, pair.need),
    }


def _vectors(engine: SearchEngine, keys: list[str]) -> dict[str, np.ndarray]:
    return {key: doc.vector for key, doc in engine.index.get(keys).items()}


def experts_for_need(
    session: Session,
    engine: SearchEngine,
    need: Need,
    viewer: User | None,
    limit: int = LIMIT,
    *,
    for_review: bool = False,
) -> list[ExpertPair]:
    """Experts who could help with `need`, medium and strong only, best first, each one the
    viewer may see (`for_review`: every published expert, for the staff queue)."""
    need_text = listing_text(need).compose()
    stored = _vectors(engine, [doc_id(need.kind, need.id)]).get(doc_id(need.kind, need.id))
    result = retrieve(
        engine.index,
        engine.embedder,
        need_text,
        filters={"kind": EXPERT_KIND},
        k=CANDIDATES,
        vector=stored,
        query_is_indexed=stored is not None,
    )
    ids = [parse_doc_id(hit.id)[1] for hit in result.fused]
    experts = {
        e.id: e for e in session.scalars(sa.select(ExpertProfile).where(ExpertProfile.id.in_(ids)))
    }
    vectors = _vectors(engine, [hit.id for hit in result.fused])
    pairs: list[tuple[ExpertPair, str]] = []
    for hit in result.fused:
        expert = experts.get(parse_doc_id(hit.id)[1])
        if (
            expert is None
            or expert.state != ExpertState.PUBLISHED
            or (expert.user_id is not None and expert.user_id == need.owner_id)
            or not (for_review or visibility.can_see_expert(viewer, expert))
        ):
            continue
        text = expert_text(expert, representative_achievements(session, expert)).compose()
        p = relevance.probability(
            need_text, text, result.query_vector, vectors.get(hit.id), model=engine.calibration
        )
        if scoring.strength(p) in SHOWN_BANDS:
            pairs.append((ExpertPair(expert, need, p), text))
    return _finish(pairs, need_text, limit, lambda pair: pair.expert.id)


def needs_for_expert(
    session: Session,
    engine: SearchEngine,
    expert: ExpertProfile,
    viewer: User | None,
    limit: int = LIMIT,
    *,
    for_review: bool = False,
) -> list[ExpertPair]:
    """Open (published) needs in the expert's directions that the viewer may see, medium and
    strong only, best first (`for_review`: every published need, for the staff queue)."""
    text = expert_text(expert, representative_achievements(session, expert)).compose()
    key = doc_id(EXPERT_KIND, expert.id)
    stored = _vectors(engine, [key]).get(key)
    result = retrieve(
        engine.index,
        engine.embedder,
        text,
        filters={"kind": "need"},
        k=CANDIDATES,
        vector=stored,
        query_is_indexed=stored is not None,
    )
    hits: list[Hit] = result.fused
    ids = [parse_doc_id(hit.id)[1] for hit in hits]
    needs = {n.id: n for n in session.scalars(sa.select(Need).where(Need.id.in_(ids)))}
    vectors = _vectors(engine, [hit.id for hit in hits])
    pairs: list[tuple[ExpertPair, str]] = []
    for hit in hits:
        need = needs.get(parse_doc_id(hit.id)[1])
        if need is None or need.state != ListingState.PUBLISHED:
            continue
        if not (for_review or visibility.can_see(viewer, need)):
            continue
        need_text = listing_text(need).compose()
        # the need is the query side, as for listings, so both directions agree
        p = relevance.probability(
            need_text, text, vectors.get(hit.id), result.query_vector, model=engine.calibration
        )
        if scoring.strength(p) in SHOWN_BANDS:
            pairs.append((ExpertPair(expert, need, p), need_text))
    ranked = sorted(pairs, key=lambda item: (-item[0].score, item[0].need.id))[:limit]
    for rank, (pair, need_text) in enumerate(ranked, start=1):
        pair.explanation = _explain(pair, need_text, text, rank)
    return [pair for pair, _ in ranked]


def _finish(
    pairs: list[tuple[ExpertPair, str]], need_text: str, limit: int, key: Any
) -> list[ExpertPair]:
    ranked = sorted(pairs, key=lambda item: (-item[0].score, key(item[0])))[:limit]
    for rank, (pair, text) in enumerate(ranked, start=1):
        pair.explanation = _explain(pair, need_text, text, rank)
    return [pair for pair, _ in ranked]
