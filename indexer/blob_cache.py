"""A key → bytes table in a SQLite file: what the embedding cache and the word-profile store
keep of texts already worked out. A cache: losing the last writes on power loss costs the work
again, not a wrong answer, so commits need not wait for the disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.sqlite_wal import enable_wal, keep_private

# SQLite allows 999 host parameters in older builds
CHUNK = 500


class BlobCache:
    def __init__(self, path: Path, table: str, column: str = "data") -> None:
        if not (table.isidentifier() and column.isidentifier()):
            raise ValueError(f"bad table or column name {table!r}, {column!r}")
        self.path = Path(path)
        self.table = table
        self.column = column
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, {column} BLOB)"
            )

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        enable_wal(conn)
        keep_private(self.path)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), CHUNK):
                chunk = list(keys[start : start + CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT key, {self.column} FROM {self.table} WHERE key IN ({marks})", chunk
                )
                found.update(rows)
        return found

    def put_many(self, rows: Iterable[tuple[str, bytes]]) -> None:
        with self._connect() as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO {self.table} (key, {self.column}) VALUES (?, ?)",
                list(rows),
            )

    def clear(self) -> None:
        with self._connect() as conn:
            conn.execute(f"DELETE FROM {self.table}")
