"""Which embedding model this instance runs: the configured (packaged) one until an adapted
model is switched in. Adapted models are directories under `instance/models/`; the choice is one
small JSON file written atomically, read by every process (web, worker, CLI) before it uses the
search engine, so all of them follow a switch without a restart."""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from matchmaker import clock
from matchmaker.config import Settings

POINTER = "active.json"
KEEP_MODELS = 3  # adapted models kept on disk: the active one, the rollback target, one more


@dataclass(frozen=True)
class Active:
    model: str  # what the embedder loads: the configured name or an adapted model's directory
    previous: str | None = None  # what a rollback returns to


def models_dir(settings: Settings) -> Path:
    return settings.instance_dir / "models"


def new_model_dir(settings: Settings) -> Path:
    """A fresh, versioned directory name for an adapted model (the name becomes its id)."""
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    path = models_dir(settings) / f"adapted-{stamp}"
    suffix = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        suffix += 1
        path = models_dir(settings) / f"adapted-{stamp}-{suffix}"
    return path


_cache: dict[Path, tuple[float, Active]] = {}
_cache_lock = threading.Lock()


def active(settings: Settings) -> Active:
    """The model in use; re-read only when the pointer file changed."""
    path = models_dir(settings) / POINTER
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return Active(settings.embedding_model)
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data.get("model") or settings.embedding_model
    if model != settings.embedding_model and not Path(model).is_dir():
        # an adapted model removed by hand: fall back to the configured one
        model = settings.embedding_model
    found = Active(model, data.get("previous"))
    with _cache_lock:
        _cache[path] = (mtime, found)
    return found


def switch(settings: Settings, model: str) -> Active:
    """Make `model` the one in use; the one it replaces becomes the rollback target."""
    current = active(settings)
    chosen = Active(model, current.model if current.model != model else current.previous)
    directory = models_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    staged = directory / (POINTER + ".tmp")
    staged.write_text(
        json.dumps({"model": chosen.model, "previous": chosen.previous}), encoding="utf-8"
    )
    os.replace(staged, directory / POINTER)  # atomic: readers see the old or the new choice
    return chosen


def prune(settings: Settings) -> list[str]:
    """Remove adapted models beyond the newest KEEP_MODELS, never the active one or the rollback
    target; returns the names removed."""
    current = active(settings)
    keep = {current.model, current.previous}
    found = sorted(
        (p for p in models_dir(settings).glob("adapted-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = []
    for path in found[KEEP_MODELS:]:
        if str(path) not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
