"""Ranking candidates for a need (achievements) or for an achievement (needs).

Retrieval is the reciprocal-rank fusion of BM25 and dense kNN. Every candidate pair gets its
relevance probability (matching/relevance.py, from the pair alone); matching/scoring.py moves it
by the compatibility and feedback adjustments into the pair's score, drops pairs a hard
constraint rules out and orders the rest (scoring.rank_value). `Ranked.proposable` says whether
a pair reaches the proposal floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.backends import Hit
from matchmaker.matching import compatibility, explain, feedback, scoring
from matchmaker.models import Achievement, ListingState, Need
from matchmaker.search import relevance
from matchmaker.search.analysis import Analysis
from matchmaker.search.documents import doc_id, listing_text, parse_doc_id
from matchmaker.search.engine import SearchEngine
from matchmaker.search.fusion import RRF_K
from matchmaker.search.retrieval import CANDIDATES, retrieve

# the best possible fused score: first in both ranked lists
FUSED_MAX = 2.0 / (RRF_K + 1)

Listing = TypeVar("Listing", Achievement, Need)


@dataclass
class Ranked:
    achievement: Achievement
    need: Need
    # P(related) after compatibility and feedback, in [0, 1] (what Match.score stores)
    score: float
    components: dict[str, float]
    checks: list[compatibility.Check]
    # relevance and score reach the proposal floor (scoring.MIN_PROPOSAL_SCORE)
    proposable: bool = True
    # the value candidates are ordered by (scoring.rank_value)
    rank_value: float = 0.0
    rank: int = 0
    _explanation: dict[str, Any] | None = field(default=None, repr=False)
    _analyses: _Analyses | None = field(default=None, repr=False)

    @property
    def explanation(self) -> dict[str, Any]:
        """Made when first read: a re-match stores only the proposable pairs'."""
        if self._explanation is None:
            assert self._analyses is not None, "explained only as for_listing returns it"
            self._explanation = _explain(self, *self._analyses.of(self))
        return self._explanation


class _Analyses:
    """The sentence cuts of a ranking's texts (search/analysis.py), read from the store in one
    query when the first explanation is asked for: cutting each text again was a fifth of a
    ranking's time at 100k listings."""

    def __init__(self, engine: SearchEngine, ranked: Sequence[Ranked]) -> None:
        self._engine = engine
        self._ranked = ranked
        self._by_listing: dict[tuple[str, int], Analysis] | None = None

    def of(self, item: Ranked) -> tuple[Analysis, Analysis]:
        """(the need's, the achievement's)."""
        if self._by_listing is None:
            listings = {
                (listing.kind, listing.id): listing
                for each in self._ranked
                for listing in (each.need, each.achievement)
            }
            texts = [listing_text(listing).compose() for listing in listings.values()]
            found = self._engine.analyses.many(texts)
            self._by_listing = dict(zip(listings, found, strict=True))
        by_listing = self._by_listing
        return by_listing[("need", item.need.id)], by_listing[("achievement", item.achievement.id)]


def _stored_vector(engine: SearchEngine, source: Achievement | Need) -> np.ndarray | None:
    key = doc_id(source.kind, source.id)
    document = engine.index.get([key]).get(key)
    return document.vector if document is not None else None


def _load(session: Session, model: type[Listing], ids: list[int]) -> dict[int, Listing]:
    """The candidates in one query instead of one per candidate."""
    if not ids:
        return {}
    rows = session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    return {row.id: row for row in rows}


def _explain(item: Ranked, need: Analysis, achievement: Analysis) -> dict[str, Any]:
    pair = explain.best_sentence_pair_of(need, achievement)
    checks = item.checks
    return {
        "rank": item.rank,
        "strength": scoring.strength(item.score),
        "good_match": item.proposable,
        "shared_terms": explain.shared_terms_of(need, achievement),
        "sentences": {"need": pair[0], "achievement": pair[1]} if pair else None,
        "checks": [{"name": c.name, "result": str(c.result)} for c in checks],
    }


def _relevance(
    engine: SearchEngine,
    source: Achievement | Need,
    source_text: str,
    source_vector: np.ndarray | None,
    hits: list[Hit],
    pairs: list[tuple[Achievement, Need]],
    known: dict[str, np.ndarray],
) -> list[float]:
    """Each pair's relevance probability, the need as the query side whichever side searched
    (so both directions store the same value)."""
    cosines = (
        engine.index.cosines(source_vector, [h.id for h in hits], known)
        if source_vector is not None
        else {}
    )
    others = [listing_text(a if source.kind == "need" else n).compose() for a, n in pairs]
    own, *profiles = engine.profiles.many([source_text, *others])
    probabilities = []
    for hit, other in zip(hits, profiles, strict=True):
        need, achievement = (own, other) if source.kind == "need" else (other, own)
        pair_cosine = cosines.get(hit.id, 0.0)
        probabilities.append(
            relevance.probability_of(need, achievement, pair_cosine, model=engine.calibration)
        )
    return probabilities


def _score(
    fused: list[Hit],
    pairs: list[tuple[Achievement, Need]],
    probabilities: list[float],
    today: date,
    fb_by_need: dict[int, feedback.Feedback],
    weights: dict[str, float],
) -> list[Ranked]:
    ranked: list[Ranked] = []
    for hit, (achievement, need), p in zip(fused, pairs, probabilities, strict=True):
        scored = scoring.score_pair(
            min(hit.score / FUSED_MAX, 1.0),
            p,
            achievement,
            need,
            today,
            fb_by_need[need.id],
            weights,
        )
        if scored is not None:
            ranked.append(
                Ranked(
                    achievement,
                    need,
                    scored.score,
                    scored.components,
                    scored.checks,
                    proposable=scored.proposable,
                    rank_value=scored.rank,
                )
            )
    ranked.sort(key=lambda r: (-r.rank_value, r.achievement.id, r.need.id))
    return ranked


def for_listing(
    session: Session,
    engine: SearchEngine,
    source: Achievement | Need,
    limit: int = 20,
    today: date | None = None,
) -> list[Ranked]:
    """Candidates of the other kind for `source` (achievements for a need, needs for an
    achievement), scored, cut to `limit` and explained, best first."""
    today = today or date.today()
    other_kind, other_model = (
        ("achievement", Achievement) if source.kind == "need" else ("need", Need)
    )
    source_text = listing_text(source).compose()
    organisation = source.organisation_id
    stored = _stored_vector(engine, source)
    result = retrieve(
        engine.index,
        engine.embedder,
        source_text,
        filters={"kind": other_kind},
        exclude={"organisation_id": organisation} if organisation else None,
        k=CANDIDATES,
        # not indexed yet: retrieve embeds the text while the lexical side runs
        vector=stored,
        query_is_indexed=stored is not None,
    )
    hits: list[Hit] = []
    pairs: list[tuple[Achievement, Need]] = []
    fb: dict[int, feedback.Feedback] = {}
    others = _load(session, other_model, [parse_doc_id(hit.id)[1] for hit in result.fused])
    for hit in result.fused:
        other = others.get(parse_doc_id(hit.id)[1])
        if other is None or other.state != ListingState.PUBLISHED:
            continue
        achievement, need = (other, source) if source.kind == "need" else (source, other)
        hits.append(hit)
        pairs.append((achievement, need))  # type: ignore[arg-type]
        if need.id not in fb:
            fb[need.id] = feedback.for_need(session, need.id, need.trl_min)
    probabilities = _relevance(
        engine, source, source_text, result.query_vector, hits, pairs, result.vectors
    )
    ranked = _score(hits, pairs, probabilities, today, fb, scoring.weights_for(source_text))
    ranked = ranked[:limit]
    analyses = _Analyses(engine, ranked)
    for rank, item in enumerate(ranked, start=1):
        item.rank = rank
        item._analyses = analyses
    return ranked


def for_need(
    session: Session, engine: SearchEngine, need: Need, limit: int = 20, today: date | None = None
) -> list[Ranked]:
    """Achievements for a need, best first."""
    return for_listing(session, engine, need, limit, today)


def for_achievement(
    session: Session,
    engine: SearchEngine,
    achievement: Achievement,
    limit: int = 20,
    today: date | None = None,
) -> list[Ranked]:
    """Needs for an achievement, best first."""
    return for_listing(session, engine, achievement, limit, today)
