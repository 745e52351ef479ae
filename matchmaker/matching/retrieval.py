"""Candidate retrieval: dense kNN and BM25 from the configured index, fused.

Used by the search page, the matcher and scripts/evaluate.py alike, so what is measured is what
users get.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from indexer import text
from indexer.backends import Hit, SearchIndex
from matchmaker.matching.fusion import reciprocal_rank_fusion

CANDIDATES = 100


class Encoder(Protocol):
    def encode_one(self, text: str) -> np.ndarray: ...


@dataclass
class Retrieval:
    lexical: list[Hit]
    dense: list[Hit]
    fused: list[Hit]


def retrieve(
    index: SearchIndex,
    encoder: Encoder,
    query_text: str,
    *,
    filters: Mapping[str, Any] | None = None,
    exclude: Mapping[str, Any] | None = None,
    k: int = CANDIDATES,
    vector: np.ndarray | None = None,
) -> Retrieval:
    """Both retrievers with the same filters, then reciprocal-rank fusion."""
    tokens = text.lexical_tokens(query_text)
    query_vector = vector if vector is not None else encoder.encode_one(query_text)
    dense = index.knn(query_vector, k, filters=filters, exclude=exclude)
    lexical = index.lexical(tokens, k, filters=filters, exclude=exclude)
    return Retrieval(lexical=lexical, dense=dense, fused=reciprocal_rank_fusion([lexical, dense]))
