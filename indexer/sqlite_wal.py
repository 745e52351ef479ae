"""SQLite files the app keeps: switched into WAL mode when several connections may open them at
once, and readable by the app's own user only."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

# Switching to WAL takes an exclusive lock, and SQLite answers "database is locked" at once
# instead of waiting in its busy handler when another connection is opening the same new
# file; once a file is in WAL mode the pragma is a no-op, so only first opens ever retry.
RETRY_SECONDS = 30.0


def enable_wal(cursor: Any, retry_seconds: float = RETRY_SECONDS) -> None:
    """Run PRAGMA journal_mode=WAL on a DB-API connection or cursor, retrying while locked."""
    deadline = time.monotonic() + retry_seconds
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def keep_private(path: str | Path | None) -> None:
    """The file and its WAL companions readable by the app's own user only: the database holds
    every confidential listing and password hash, and the index (tokens of the texts) and the
    stored sentence cuts hold the listings' texts as much."""
    if not path or str(path) == ":memory:":
        return
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        file = Path(name)
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)
