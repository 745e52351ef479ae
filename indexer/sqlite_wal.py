"""Switching a SQLite file into WAL mode when several connections may open it at once."""

from __future__ import annotations

import sqlite3
import time
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
