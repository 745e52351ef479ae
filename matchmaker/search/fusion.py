"""Fusing ranked lists from different retrievers (lexical, dense)."""

from __future__ import annotations

from collections.abc import Sequence

from indexer.backends import Hit

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[Hit]:
    """score(d) = Σ w_i / (k + rank_i(d)); robust to the different scales of BM25 and cosine."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + weight / (k + rank)
    # ties broken by id so that both index backends give the same order
    return [Hit(i, s) for i, s in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def score_fusion(rankings: Sequence[Sequence[Hit]], weights: Sequence[float]) -> list[Hit]:
    """Weighted sum of min-max normalised scores (measured against RRF in scripts/evaluate.py)."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        high, low = ranking[0].score, ranking[-1].score
        span = (high - low) or 1.0
        for hit in ranking:
            scores[hit.id] = scores.get(hit.id, 0.0) + weight * (hit.score - low) / span
    return [Hit(i, s) for i, s in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]
