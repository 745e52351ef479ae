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


class SearchIndex(ABC):
    """One index holding achievements and needs (told apart by `kind`)."""

    model_id: str
    dimension: int

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
