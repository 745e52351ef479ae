"""Candidate retrieval: dense kNN and BM25 from the configured index, fused.

Used by the search page, the matcher and scripts/evaluate.py alike, so what is measured is what
users get.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from indexer import bilingual, text
from indexer.backends import Hit, SearchIndex
from matchmaker.search.fusion import reciprocal_rank_fusion

CANDIDATES = 100
# Share of the dense list in the fusion (0.5 = equal), by query length; measured with
# scripts/evaluate.py (README): for title-like queries of a few words the small e5 model's
# similarities are much weaker than exact terms, for descriptions both count alike.
DENSE_WEIGHT = 0.5
SHORT_QUERY_DENSE_WEIGHT = 0.1
SHORT_QUERY_CHARS = 40


def is_short(query_text: str) -> bool:
    """A title-like query of a few words."""
    return len(text.normalise(query_text)) <= SHORT_QUERY_CHARS


def dense_weight_for(query_text: str) -> float:
    return SHORT_QUERY_DENSE_WEIGHT if is_short(query_text) else DENSE_WEIGHT


def fusion_weights(dense_weight: float = DENSE_WEIGHT) -> list[float]:
    """[lexical, dense] weights summing to 2, so that first-in-both still scores 2/(k+1)."""
    return [2 * (1 - dense_weight), 2 * dense_weight]


class Encoder(Protocol):
    def encode_one(self, text: str) -> np.ndarray: ...


@dataclass
class Retrieval:
    lexical: list[Hit]
    dense: list[Hit]
    fused: list[Hit]
    # the query's embedding (given or computed), for pair relevance (matching/relevance.py)
    query_vector: np.ndarray | None = None

    @property
    def vectors(self) -> dict[str, np.ndarray]:
        """The candidates' stored vectors the backend brought with its hits (Hit.vector)."""
        return {h.id: h.vector for h in (*self.lexical, *self.dense) if h.vector is not None}


def retrieve(
    index: SearchIndex,
    encoder: Encoder,
    query_text: str,
    *,
    filters: Mapping[str, Any] | None = None,
    exclude: Mapping[str, Any] | None = None,
    k: int = CANDIDATES,
    vector: np.ndarray | None = None,
    dense_weight: float | None = None,
    query_is_indexed: bool = False,
) -> Retrieval:
    """Both retrievers with the same filters, then reciprocal-rank fusion.
    `query_is_indexed`: the text is that of a document in the index (see SearchIndex.lexical)."""

    def lexical_hits() -> list[Hit]:
        # an English text also looks for the Chinese equivalents of its terms
        tokens = text.lexical_tokens(query_text) + bilingual.lexical_expansion(query_text)
        return index.lexical(
            tokens, k, filters=filters, exclude=exclude, query_is_indexed=query_is_indexed
        )

    # The lexical side runs while the model embeds the query (SQLite and the model both
    # release the GIL), or, for a search server, while the kNN query runs (see
    # SearchIndex.query_beside_embedding).
    if vector is None and not index.query_beside_embedding:
        vector = encoder.encode_one(query_text)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lexical") as pool:
        pending = pool.submit(lexical_hits)
        query_vector = vector if vector is not None else encoder.encode_one(query_text)
        dense = index.knn(query_vector, k, filters=filters, exclude=exclude)
        lexical = pending.result()
    weight = dense_weight_for(query_text) if dense_weight is None else dense_weight
    fused = reciprocal_rank_fusion([lexical, dense], fusion_weights(weight))
    return Retrieval(lexical=lexical, dense=dense, fused=fused, query_vector=query_vector)
