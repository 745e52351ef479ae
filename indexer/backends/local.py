"""LocalIndex: the embedded default. One SQLite file under instance/ holds everything.

- Lexical: SQLite's FTS5 with its built-in bm25() over the app's tokens (k1=1.2, b=0.75,
  the same parameters as Elasticsearch), updated in place.
- Dense: vectors stored as float32 blobs, loaded into a NumPy matrix per process
  (indexer/backends/dense.py); when the index's generation counter moves, only the rows
  written since (each row records its generation) and the documents removed since are read.
  Exact cosine search (a matrix product).
- Concurrency: WAL mode, so the web process reads while a worker writes; a full rebuild writes
  a new file and swaps it in with an atomic rename.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from indexer.backends import base
from indexer.backends.base import (
    Filters,
    Hit,
    IndexDocument,
    IndexModelMismatch,
    SearchIndex,
    check_filter_names,
    cosines_with,
    unique_tokens,
)
from indexer.backends.dense import DenseStore, Snapshot
from indexer.sqlite_wal import enable_wal, keep_private

# after SCHEMA, by _ensure_row_generations: an index written before rows had generations gets
# the column first
ROW_GENERATIONS = "CREATE INDEX IF NOT EXISTS docs_generation ON docs (generation)"

# removals remembered for processes catching up; one further behind loads the index whole
REMOVALS_KEPT = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    tokens TEXT NOT NULL,
    filters TEXT NOT NULL,
    vector BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS removed (generation INTEGER NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS removed_generation ON removed (generation);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    tokens, tokenize = 'unicode61 remove_diacritics 0'
);
"""


@lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _dense_rows(
    rows: Iterable[tuple[int, str, str, bytes]],
) -> Iterator[tuple[int, str, dict[str, Any], bytes]]:
    """(rid, id, filters, vector) rows of `docs` with their filters parsed."""
    return ((rid, doc_id, json.loads(filters), vector) for rid, doc_id, filters, vector in rows)


class LocalIndex(SearchIndex):
    def __init__(self, path: Path, model_id: str, dimension: int) -> None:
        self.path = Path(path)
        self.model_id = model_id
        self.dimension = dimension
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._matrix: Snapshot | None = None
        # document frequencies of query terms, valid for one (file, generation) key
        self._frequencies: tuple[tuple[int, int], dict[str, int], int] = ((-1, -1), {}, 0)
        # checked on first use, not here: a mismatched index can still be rebuilt
        self._verified = False

    def _check(self) -> None:
        if not self._verified:
            with self._connect() as conn:
                self._init_schema(conn)
            self._verified = True

    # --- connections and metadata -------------------------------------------------------

    @contextmanager
    def _connect(self, path: Path | None = None) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(path or self.path, timeout=30, isolation_level=None)
        try:
            enable_wal(conn)
            keep_private(path or self.path)
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        conn.executescript(SCHEMA)
        self._ensure_row_generations(conn)
        # OR IGNORE: a web request and a worker thread may open a new index at the same moment;
        # whichever writes first decides, and the other checks against what it wrote.
        conn.executemany(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
            [
                ("model_id", self.model_id),
                ("dimension", str(self.dimension)),
                ("generation", "0"),
            ],
        )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta["model_id"] != self.model_id or int(meta["dimension"]) != self.dimension:
            raise IndexModelMismatch(
                f"{self.path} was built with {meta['model_id']} ({meta['dimension']} dims), "
                f"not {self.model_id} ({self.dimension}); rebuild the index"
            )

    @staticmethod
    def _ensure_row_generations(conn: sqlite3.Connection) -> None:
        """Each row's generation, indexed for catching up. An index written before rows
        recorded it gets the column in place (its rows count as generation 0: any process
        loads them whole)."""
        columns = {row[1] for row in conn.execute("PRAGMA table_info(docs)")}
        if "generation" not in columns:
            LocalIndex._add_generation_column(conn)
        conn.execute(ROW_GENERATIONS)

    @staticmethod
    def _add_generation_column(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(docs)")}
            if "generation" not in columns:  # another process may have added it meanwhile
                conn.execute("ALTER TABLE docs ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _bump_generation(conn: sqlite3.Connection) -> int:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def _cache_key(self, conn: sqlite3.Connection) -> tuple[int, int]:
        generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return (os.stat(self.path).st_ino, int(generation[0]))

    # --- writing --------------------------------------------------------------------------

    def upsert(self, documents: Sequence[IndexDocument]) -> None:
        self._check()
        if not documents:
            return
        for document in documents:
            self.check_document(document)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._write(conn, documents, self._bump_generation(conn))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _write(
        conn: sqlite3.Connection, documents: Iterable[IndexDocument], generation: int
    ) -> None:
        for doc in documents:
            tokens = " ".join(doc.tokens)
            row = conn.execute("SELECT rid FROM docs WHERE id = ?", (doc.id,)).fetchone()
            values = (
                doc.kind,
                tokens,
                json.dumps(doc.filters, ensure_ascii=False),
                np.asarray(doc.vector, dtype=np.float32).tobytes(),
                doc.fingerprint,
                generation,
            )
            if row:
                conn.execute("DELETE FROM docs_fts WHERE rowid = ?", (row[0],))
                conn.execute(
                    "UPDATE docs SET kind=?, tokens=?, filters=?, vector=?, fingerprint=?, "
                    "generation=? WHERE rid=?",
                    (*values, row[0]),
                )
                rid = row[0]
            else:
                cursor = conn.execute(
                    "INSERT INTO docs (id, kind, tokens, filters, vector, fingerprint, "
                    "generation) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (doc.id, *values),
                )
                rid = cursor.lastrowid
            conn.execute("INSERT INTO docs_fts (rowid, tokens) VALUES (?, ?)", (rid, tokens))

    def delete(self, ids: Sequence[str]) -> None:
        self._check()
        if not ids:
            return
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            generation = self._bump_generation(conn)
            for doc_id in ids:
                row = conn.execute("SELECT rid FROM docs WHERE id = ?", (doc_id,)).fetchone()
                if row:
                    conn.execute("DELETE FROM docs_fts WHERE rowid = ?", (row[0],))
                    conn.execute("DELETE FROM docs WHERE rid = ?", (row[0],))
                    conn.execute(
                        "INSERT INTO removed (generation, id) VALUES (?, ?)", (generation, doc_id)
                    )
            # a process whose copy is older than what is kept here loads the index whole
            conn.execute("DELETE FROM removed WHERE generation <= ?", (generation - REMOVALS_KEPT,))
            conn.execute("COMMIT")

    def rebuild(self, documents: Iterable[IndexDocument], batch_size: int = 500) -> int:
        temporary = self.path.with_name(self.path.name + ".rebuild")
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)
        written = 0
        generation = self._next_generation()
        with self._connect(temporary) as conn:
            conn.executescript(SCHEMA)
            self._ensure_row_generations(conn)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("model_id", self.model_id),
                    ("dimension", str(self.dimension)),
                    ("generation", str(generation)),
                    ("built_at", str(generation)),
                ],
            )
            batch: list[IndexDocument] = []
            for document in documents:
                self.check_document(document)
                batch.append(document)
                if len(batch) >= batch_size:
                    written += self._write_batch(conn, batch, generation)
                    batch = []
            written += self._write_batch(conn, batch, generation)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # readers holding the old file keep a consistent view; new connections see the new one
        os.replace(temporary, self.path)
        self._verified = True
        for leftover in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            leftover.unlink(missing_ok=True)
        return written

    def _next_generation(self) -> int:
        try:
            with self._connect() as conn:
                return self._cache_key(conn)[1] + 1
        except sqlite3.OperationalError:  # no index file yet
            return 1

    def _write_batch(
        self, conn: sqlite3.Connection, batch: list[IndexDocument], generation: int
    ) -> int:
        if not batch:
            return 0
        conn.execute("BEGIN")
        self._write(conn, batch, generation)
        conn.execute("COMMIT")
        return len(batch)

    # --- reading --------------------------------------------------------------------------

    def _load_matrix(self) -> Snapshot:
        with self._connect() as conn:
            key = self._cache_key(conn)
            matrix = self._matrix
            if matrix is not None and matrix.key == key:
                return matrix
            with self._lock:  # one load when the lexical and the dense side ask at once
                matrix = self._matrix
                if matrix is not None and matrix.key == key:
                    return matrix
                conn.execute("BEGIN")  # the generation and the rows from one snapshot
                try:
                    key = self._cache_key(conn)
                    if matrix is not None and self._can_catch_up(conn, matrix, key):
                        store = matrix.store
                        self._catch_up(conn, store, since=matrix.key[1])
                    else:
                        store = self._load_whole(conn)
                finally:
                    conn.execute("COMMIT")
                matrix = store.snapshot(key)
                self._matrix = matrix
        return matrix

    def _can_catch_up(
        self, conn: sqlite3.Connection, matrix: Snapshot, key: tuple[int, int]
    ) -> bool:
        """The same file as the copy's (a rebuild swaps in another, and the file system may
        give the new file the inode an older one had, so the file's own first generation is
        checked too), removals since still remembered, and not so many removed rows that
        compacting is due."""
        built = conn.execute("SELECT value FROM meta WHERE key = 'built_at'").fetchone()
        same_file = matrix.key[0] == key[0] and int(built[0] if built else 0) <= matrix.key[1]
        behind = key[1] - matrix.key[1]
        return same_file and 0 < behind < REMOVALS_KEPT and not matrix.store.needs_compacting

    def _catch_up(self, conn: sqlite3.Connection, store: DenseStore, since: int) -> None:
        removed = [
            r[0] for r in conn.execute("SELECT id FROM removed WHERE generation > ?", (since,))
        ]
        # sorted here: ORDER BY rid would make SQLite walk the whole table instead of the index
        changed = sorted(
            conn.execute("SELECT rid, id, filters, vector FROM docs WHERE generation > ?", (since,))
        )
        store.apply(_dense_rows(changed), removed)

    def _load_whole(self, conn: sqlite3.Connection) -> DenseStore:
        count = int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
        # row by row into buffers of the right size: holding every row at once first doubled
        # the memory a load needs
        rows = conn.execute("SELECT rid, id, filters, vector FROM docs ORDER BY rid")
        return DenseStore.load(_dense_rows(rows), self.dimension, count)

    def knn(
        self,
        vector: np.ndarray,
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
    ) -> list[Hit]:
        self._check()
        check_filter_names(filters, exclude)
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.dimension,):
            raise IndexModelMismatch(f"query vector shape {query.shape} != ({self.dimension},)")
        matrix = self._load_matrix()
        if matrix.empty or k <= 0:
            return []
        norm = float(np.linalg.norm(query))
        # One BLAS thread: the product is memory-bound (100k × 384: 4.6 ms alone, 3.2 ms on two
        # threads), and BLAS threads left spinning after it slowed the next query embedding
        # on the model's own threads from 51 to 79 ms on 2 cores.
        with _blas().limit(limits=1, user_api="blas"):
            cosines = matrix.vectors @ (query / norm if norm else query)
        candidates = np.flatnonzero(matrix.allowed(filters, exclude))
        if candidates.size == 0:
            return []
        scores = cosines[candidates]
        top = min(k, candidates.size)
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [Hit(matrix.ids[candidates[i]], float((1.0 + scores[i]) / 2.0)) for i in best]

    def cosines(
        self,
        vector: np.ndarray,
        ids: Sequence[str],
        known: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, float]:
        """From the vectors already in memory for knn: no read of ~200 documents' rows (the
        same vectors as any `known`)."""
        self._check()
        matrix = self._load_matrix()
        rows = {key: matrix.row(key) for key in ids}
        return cosines_with(
            vector, {key: matrix.vectors[row] for key, row in rows.items() if row is not None}
        )

    def lexical(
        self,
        tokens: Sequence[str],
        k: int,
        filters: Filters | None = None,
        exclude: Filters | None = None,
        query_is_indexed: bool = False,
    ) -> list[Hit]:
        self._check()
        check_filter_names(filters, exclude)
        terms = unique_tokens(tokens)
        if not terms or k <= 0:
            return []
        clause, params = self._filter_sql(filters, exclude)
        # bm25() per matching row and no join to `docs` before the cut: reading each matching
        # row of `docs` (vector blobs included) took more than half of the time
        sql = (
            "SELECT d.id, s.score FROM ("
            "SELECT rowid AS rid, -bm25(docs_fts) AS score FROM docs_fts "
            f"WHERE docs_fts MATCH ? {clause} ORDER BY score DESC, rowid LIMIT ?"
            ") s JOIN docs d ON d.rid = s.rid ORDER BY s.score DESC, s.rid"
        )
        with self._connect() as conn:
            if len(terms) > base.MIN_QUERY_TERMS:
                terms = self._query_terms(conn, terms, int(query_is_indexed))
                if not terms:
                    return []
            match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            rows = conn.execute(sql, (match, *params, k)).fetchall()
        return [Hit(r[0], float(r[1])) for r in rows]

    def _filter_sql(
        self, filters: Filters | None, exclude: Filters | None
    ) -> tuple[str, list[Any]]:
        """Filters as a rowid list from the matrix's cached masks (the same ones kNN uses):
        the allowed rows or the others, whichever list is shorter. Rows added since the
        matrix was loaded are left out, as kNN leaves them out."""
        if not filters and not exclude:
            return "", []
        matrix = self._load_matrix()
        allowed = matrix.allowed(filters, exclude)
        count = int(allowed.sum())
        if count <= len(allowed) - count:
            rids = matrix.rids[allowed]
            return "AND rowid IN (SELECT value FROM json_each(?))", [json.dumps(rids.tolist())]
        rids = matrix.rids[~allowed & (matrix.rids >= 0)]  # -1: a removed document's row
        last = int(matrix.rids.max()) if len(matrix.rids) else 0
        return (
            "AND rowid <= ? AND rowid NOT IN (SELECT value FROM json_each(?))",
            [last, json.dumps(rids.tolist())],
        )

    def _query_terms(
        self, conn: sqlite3.Connection, terms: list[str], own_documents: int = 0
    ) -> list[str]:
        """base.rarest_terms, counted from FTS5's vocabulary (a term the vocabulary cannot list
        because FTS5 splits it into several tokens counts as rare)."""
        known, documents = self._document_frequencies(conn, terms)
        return base.rarest_terms(terms, known, documents, own_documents)

    def _document_frequencies(
        self, conn: sqlite3.Connection, terms: list[str]
    ) -> tuple[dict[str, int], int]:
        """How many documents hold each term, and how many documents there are (both cached
        until the index changes)."""
        key = self._cache_key(conn)
        if self._frequencies[0] != key:
            documents = int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
            self._frequencies = (key, {}, documents)
        _, known, documents = self._frequencies
        missing = [t for t in terms if t not in known]
        if missing:
            conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.docs_vocab "
                "USING fts5vocab(main, docs_fts, row)"
            )
            found: dict[str, int] = {}
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                placeholders = ", ".join("?" for _ in chunk)
                found.update(
                    conn.execute(
                        f"SELECT term, doc FROM temp.docs_vocab WHERE term IN ({placeholders})",
                        chunk,
                    ).fetchall()
                )
            for term in missing:
                known[term] = found.get(term, 0)
        return known, documents

    def get(self, ids: Sequence[str]) -> dict[str, IndexDocument]:
        self._check()
        if not ids:
            return {}
        placeholders = ", ".join("?" for _ in ids)
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, kind, tokens, filters, vector, fingerprint FROM docs "
                f"WHERE id IN ({placeholders})",
                list(ids),
            ).fetchall()
        return {
            r[0]: IndexDocument(
                id=r[0],
                kind=r[1],
                tokens=r[2].split(),
                filters=json.loads(r[3]),
                vector=np.frombuffer(r[4], dtype=np.float32).copy(),
                fingerprint=r[5],
            )
            for r in rows
        }

    def fingerprints(self) -> dict[str, str]:
        self._check()
        with self._connect() as conn:
            return dict(conn.execute("SELECT id, fingerprint FROM docs").fetchall())

    def count(self) -> int:
        self._check()
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    @staticmethod
    def probe(path: Path) -> int:
        """Documents in the index file, read without the model (readiness): 0 before the first
        build; raises sqlite3.Error when the file cannot be read."""
        if not Path(path).exists():
            return 0
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            has_docs = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'docs'"
            ).fetchone()
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0]) if has_docs else 0
        finally:
            conn.close()

    def health(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "status": "ok",
            "path": str(self.path),
            "documents": self.count(),
            "model": self.model_id,
        }
