"""The local index's documents held in memory: every vector, for exact kNN, and every filter
value, for the masks kNN and BM25 share.

Loaded once per process, then brought up to date with only the rows that changed: at 100k
documents a whole load takes about a second and, while the old copy is still in use, twice the
memory, which each listing indexed by the worker used to cost the next search.

Rows are appended or overwritten in place in buffers with room to grow; a `Snapshot` sees the
rows below its own count and its own copy of which rows are alive, so a query keeps a
consistent view while a refresh runs beside it. Filter values are stored as codes per row
rather than a dict per document (100k dicts took ~250 MB).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.backends.base import Filters, as_values

NONE = -1  # the document has no value for this filter
LIST = -2  # the value is a list: its items' codes are in `_Column.items`
# a full reload (which compacts) once this share of the rows belongs to removed documents
MAX_DEAD_SHARE = 0.25


def comparable(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


class _Column:
    """One filter's value for every row, as codes into its own vocabulary."""

    def __init__(self, capacity: int) -> None:
        self.codes = np.full(capacity, NONE, dtype=np.int32)
        self.vocabulary: dict[Any, int] = {}
        self.items: dict[int, tuple[int, ...]] = {}
        self._interned: dict[tuple[int, ...], tuple[int, ...]] = {}

    def _code(self, value: Any) -> int:
        return self.vocabulary.setdefault(comparable(value), len(self.vocabulary))

    def set(self, row: int, value: Any) -> None:
        if isinstance(value, list):
            codes = tuple(sorted({self._code(v) for v in value}))
            self.codes[row] = LIST
            # a few combinations (cooperation modes) repeat across 100k rows: one tuple each
            self.items[row] = self._interned.setdefault(codes, codes)
        else:
            self.codes[row] = NONE if value is None else self._code(value)
            self.items.pop(row, None)

    def clear(self, row: int) -> None:
        self.codes[row] = NONE
        self.items.pop(row, None)

    def grow(self, capacity: int) -> None:
        grown = np.full(capacity, NONE, dtype=np.int32)
        grown[: len(self.codes)] = self.codes
        self.codes = grown

    def mask(self, value: Any, count: int) -> np.ndarray:
        code = self.vocabulary.get(value)
        if code is None:
            return np.zeros(count, dtype=bool)
        mask = self.codes[:count] == code
        for row, codes in self.items.items():
            if row < count and code in codes:
                mask[row] = True
        return mask


class DenseStore:
    """The growing buffers behind successive snapshots (one per index generation)."""

    def __init__(self, dimension: int, capacity: int) -> None:
        self.dimension = dimension
        self.lock = threading.Lock()  # held while rows change and while a mask is computed
        self.vectors = np.zeros((capacity, dimension), dtype=np.float32)
        self.rids = np.full(capacity, -1, dtype=np.int64)
        self.alive = np.zeros(capacity, dtype=bool)
        self.ids: list[str] = []
        self.positions: dict[str, int] = {}
        self.columns: dict[str, _Column] = {}
        self.dead = 0

    @classmethod
    def load(
        cls, rows: Iterable[tuple[int, str, Mapping[str, Any], bytes]], dimension: int, count: int
    ) -> DenseStore:
        store = cls(dimension, capacity=count + count // 8 + 64)
        store.apply(rows, ())
        return store

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def needs_compacting(self) -> bool:
        return self.dead > 64 and self.dead > MAX_DEAD_SHARE * self.count

    def apply(
        self,
        changed: Iterable[tuple[int, str, Mapping[str, Any], bytes]],
        removed: Iterable[str],
    ) -> None:
        """Removals first, then the rows written since: a document removed and indexed again
        comes back as a new row."""
        with self.lock:
            for doc_id in removed:
                row = self.positions.pop(doc_id, None)
                if row is not None:
                    self.alive[row] = False
                    self.rids[row] = -1  # SQLite may give its rowid to a new document
                    self.dead += 1  # its filter values stay for snapshots taken before
            for rid, doc_id, filters, vector in changed:
                row = self.positions.get(doc_id)
                if row is None:
                    row = self._append(doc_id)
                self.vectors[row] = np.frombuffer(vector, dtype=np.float32)
                self.rids[row] = rid
                self.alive[row] = True
                for name, column in self.columns.items():
                    if name not in filters:
                        column.clear(row)
                for name, value in filters.items():
                    column = self.columns.get(name)
                    if column is None:
                        column = self.columns[name] = _Column(len(self.rids))
                    column.set(row, value)

    def _append(self, doc_id: str) -> int:
        row = self.count
        if row == len(self.rids):
            self._grow(row + row // 4 + 64)
        self.ids.append(doc_id)
        self.positions[doc_id] = row
        return row

    def _grow(self, capacity: int) -> None:
        # new buffers: snapshots taken before keep reading the old ones
        vectors = np.zeros((capacity, self.dimension), dtype=np.float32)
        vectors[: self.count] = self.vectors[: self.count]
        rids = np.full(capacity, -1, dtype=np.int64)
        rids[: self.count] = self.rids[: self.count]
        alive = np.zeros(capacity, dtype=bool)
        alive[: self.count] = self.alive[: self.count]
        self.vectors, self.rids, self.alive = vectors, rids, alive
        for column in self.columns.values():
            column.grow(capacity)

    def snapshot(self, key: tuple[int, int]) -> Snapshot:
        with self.lock:
            count = self.count
            return Snapshot(
                key=key,
                store=self,
                count=count,
                vectors=self.vectors[:count],
                rids=self.rids[:count].copy(),
                alive=self.alive[:count].copy(),
            )


@dataclass
class Snapshot:
    """What one query reads: the rows below `count`, alive as they were when it was taken (a
    document updated meanwhile shows its new vector and filters: its row is rewritten)."""

    key: tuple[int, int]
    store: DenseStore
    count: int
    vectors: np.ndarray
    rids: np.ndarray
    alive: np.ndarray
    masks: dict[tuple[str, Any], np.ndarray] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return self.store.ids

    @property
    def empty(self) -> bool:
        return not self.alive.any()

    def row(self, doc_id: str) -> int | None:
        row = self.store.positions.get(doc_id)
        return row if row is not None and row < self.count and self.alive[row] else None

    def mask_for(self, name: str, values: list[Any]) -> np.ndarray:
        result = np.zeros(self.count, dtype=bool)
        for value in values:
            key = (name, comparable(value))
            if key not in self.masks:
                column = self.store.columns.get(name)
                with self.store.lock:
                    self.masks[key] = (
                        column.mask(key[1], self.count)
                        if column is not None
                        else np.zeros(self.count, dtype=bool)
                    )
            result |= self.masks[key]
        return result

    def allowed(self, filters: Filters | None, exclude: Filters | None) -> np.ndarray:
        allowed = self.alive.copy()
        for name, value in (filters or {}).items():
            allowed &= self.mask_for(name, as_values(value))
        for name, value in (exclude or {}).items():
            allowed &= ~self.mask_for(name, as_values(value))
        return allowed
