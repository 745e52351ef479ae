"""The SearchIndex interface every backend implements, and the documents it stores.

Filters are equality (scalar) or any-of (list) on the document's filter fields; a filter
field may itself hold a list (e.g. cooperation modes), which matches when any value matches.
`exclude` takes the same form and removes what it matches.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FilterValue = str | int | bool | None | Sequence[str | int]
Filters = Mapping[str, FilterValue]
FILTER_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


class IndexError_(Exception):
    """Base of index errors."""


class IndexUnavailable(IndexError_):
    """The index server cannot be reached; callers fall back or retry later."""


class IndexModelMismatch(IndexError_):
    """The index was built with another embedding model or dimension; rebuild it."""


@dataclass
class IndexDocument:
    id: str
    kind: str
    tokens: list[str]
    vector: np.ndarray
    filters: dict[str, Any] = field(default_factory=dict)
    # hash of what was indexed, so drift against the database can be detected
    fingerprint: str = ""


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    # the document's stored vector, where the backend brings it with the hit at no extra cost
    # (Elasticsearch); SearchIndex.cosines then needs no second request for it
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


def as_values(value: FilterValue) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def check_filter_names(*filter_sets: Filters | None) -> None:
    for filters in filter_sets:
        for name in filters or {}:
            if not FILTER_NAME.match(name):
                raise ValueError(f"invalid filter name: {name!r}")


def unique_tokens(tokens: Iterable[str]) -> list[str]:
    """Query terms once each, in order: both backends then score the same query."""
    seen: dict[str, None] = {}
    for token in tokens:
        if token and token not in seen:
            seen[token] = None
    return list(seen)


# BM25 scores every document matching any query term, so the character bigrams of a whole need
# (100+ terms, some in half of all documents) took 350 ms in SQLite and 35 ms in Elasticsearch
# at 100k documents, growing with the documents matched. Both backends send only the rarest
# terms (they carry nearly all of BM25's weight): at most MAX_QUERY_TERMS, and past the first
# MIN_QUERY_TERMS no more than MAX_QUERY_POSTINGS × documents occurrences in all. Chosen with
# scripts/evaluate.py and scripts/bench_match.py (README).
# A listing matched against the others is itself in the index: counting it made the terms only
# it holds look the rarest, and in a demo-sized index they filled every slot and matched nothing
# else (callers say so with query_is_indexed).
MAX_QUERY_TERMS = 64
MIN_QUERY_TERMS = 8
MAX_QUERY_POSTINGS = 0.25


def rarest_terms(
    terms: Sequence[str], frequencies: Mapping[str, int], documents: int, own_documents: int = 0
) -> list[str]:
    """The query terms to send: the rarest (ties in query order), at most MAX_QUERY_TERMS and,
    past the first MIN_QUERY_TERMS, no more than MAX_QUERY_POSTINGS × documents occurrences in
    all. `frequencies` counts the documents holding each term; terms in no other document are
    left out (they match nothing, or only the query's own document), except one a backend
    cannot count because it splits it into several tokens (not alphanumeric)."""
    held = {t: max(frequencies.get(t, 0) - own_documents, 0) for t in terms}
    kept = [i for i, t in enumerate(terms) if held[t] or not t.isalnum()]
    kept.sort(key=lambda i: (held[terms[i]], i))
    budget = MAX_QUERY_POSTINGS * documents
    chosen: list[str] = []
    postings = 0
    for i in kept[:MAX_QUERY_TERMS]:
        postings += held[terms[i]]
        if len(chosen) >= MIN_QUERY_TERMS and postings > budget:
            break
        chosen.append(terms[i])
    return chosen


class SearchIndex(ABC):
    """One index holding achievements and needs (told apart by `kind`)."""

    model_id: str
    dimension: int
    # Whether a query may run while the model embeds another text. True in-process (SQLite
    # releases the GIL and overlapping saved 13 ms of 100 at 100k). A search server on the same
    # machine competes with the model for the cores: sending the BM25 query after the embedding,
    # beside the kNN query, took the Elasticsearch matcher from 129 to 121 ms p50 (100k, 2
    # cores; scripts/bench_match.py). A server on other machines would gain from overlapping.
    query_beside_embedding: bool = True

    @abstractmethod
    def upsert(self, documents: Sequence[IndexDocument]) -> None: ...

    @abstractmethod
    def delete(self, ids: Sequence[str]) -> None: ...

    @abstractmethod
    def knn(
        self,
        vector: np.ndarray,
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
    ) -> list[Hit]:
        """Nearest documents by cosine; score = (1 + cosine) / 2, higher is closer."""

    @abstractmethod
    def lexical(
        self,
        tokens: Sequence[str],
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
        query_is_indexed: bool = False,
    ) -> list[Hit]:
        """BM25 over the documents' tokens (k1=1.2, b=0.75); higher is better.

        `query_is_indexed`: the tokens are those of a document in this index (a listing matched
        against the others), so every term is held by that document too. A backend that picks
        query terms by how rare they are must not count it."""

    @abstractmethod
    def get(self, ids: Sequence[str]) -> dict[str, IndexDocument]: ...

    def cosines(
        self,
        vector: np.ndarray,
        ids: Sequence[str],
        known: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, float]:
        """The cosine of `vector` with each stored document of `ids` (missing ones left out):
        what pair relevance needs of ~200 candidates. `known`: stored vectors the caller
        already holds (Hit.vector), not read again."""
        known = known or {}
        stored = {key: known[key] for key in ids if key in known}
        missing = [key for key in ids if key not in stored]
        if missing:
            stored.update((key, doc.vector) for key, doc in self.get(missing).items())
        return cosines_with(vector, stored)

    @abstractmethod
    def fingerprints(self) -> dict[str, str]:
        """id → fingerprint of every document, for drift checks against the database."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def health(self) -> dict[str, Any]: ...

    @abstractmethod
    def rebuild(self, documents: Iterable[IndexDocument], batch_size: int = 500) -> int:
        """Replace the whole index with `documents`; readers see the old index until done."""

    def check_document(self, document: IndexDocument) -> None:
        if document.vector.shape != (self.dimension,):
            raise IndexModelMismatch(
                f"vector of {document.id} has shape {document.vector.shape}, "
                f"index expects ({self.dimension},)"
            )
        check_filter_names(document.filters)


def cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """0 where either vector is missing or zero."""
    if a is None or b is None:
        return 0.0
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


def cosines_with(vector: np.ndarray, stored: Mapping[str, np.ndarray]) -> dict[str, float]:
    """`cosine` of `vector` with each stored vector, in one matrix product."""
    if not stored:
        return {}
    rows = np.stack([np.asarray(v, dtype=np.float32) for v in stored.values()])
    query = np.asarray(vector, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1) * float(np.linalg.norm(query))
    products = rows @ query
    values = np.divide(products, norms, out=np.zeros_like(products), where=norms > 0)
    return {key: float(value) for key, value in zip(stored, values, strict=True)}
