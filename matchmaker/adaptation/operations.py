"""The adaptation job on this instance's published listings, the switch to an accepted model
(a rebuild into a new index, then the index swap and the model pointer), and the rollback.

Search and matching keep using the current model and index until the swap: both backends build
the new index beside the old one (indexer/backends: a new SQLite file renamed over the old,
a new Elasticsearch index behind the alias) and every process follows the model pointer on its
next use of the search engine (runtime.search_engine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.adaptation import Recipe
from indexer.embedder import Embedder, resolve_model_path
from matchmaker.adaptation import pipeline, registry
from matchmaker.adaptation.pipeline import Document
from matchmaker.adaptation.selfcheck import Encode
from matchmaker.config import Settings
from matchmaker.core.errors import ValidationFailed
from matchmaker.models import Job, JobState
from matchmaker.search import indexing, relevance
from matchmaker.search.documents import doc_id, listing_text
from matchmaker.search.engine import SearchEngine

ADAPT_JOB = "adapt_model"
ROLLBACK_JOB = "rollback_model"
JOB_KINDS = (ADAPT_JOB, ROLLBACK_JOB)
# suggest a new adaptation once the published listings grew by this share since the last one
GROWTH_SHARE = 0.25

Progress = Callable[[int], None]


def documents(session: Session) -> list[Document]:
    """Every published listing as a training document: its title and its prose fields."""
    found = []
    for listing in indexing.indexable_listings(session):
        composed = listing_text(listing)
        found.append(
            Document(
                doc_id(listing.kind, listing.id),
                composed.title,
                [composed.summary, *composed.body],
            )
        )
    return found


def encoder(settings: Settings, model: Path | str) -> Embedder:
    """An embedder for a model as the product would run it (same prefix and variant)."""
    return Embedder(
        str(model), cache_dir=settings.model_cache_dir, precision=settings.embedding_precision
    )


def adapt(
    session: Session,
    settings: Settings,
    engine: SearchEngine,
    *,
    recipe: Recipe | None = None,
    on_training: Progress | None = None,
    on_indexing: Progress | None = None,
) -> dict[str, Any]:
    """Adapt a copy of the current model to the published listings; switch to it (rebuilding
    the index) only if it passes the self-check. Returns what the run did, for its record."""
    recipe = recipe or Recipe()
    listings = documents(session)
    source = Path(resolve_model_path(engine.model_name, settings.model_cache_dir / "models"))
    target = registry.new_model_dir(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    current = engine.embedder

    def beating(encode: Encode) -> Encode:
        """The self-check embeds for minutes without a training step: keep the job's heartbeat
        going, so it is not taken for dead and sent again (core/jobs.py)."""

        def run(texts: list[str]) -> np.ndarray:
            vectors = encode(texts)
            if on_training:
                on_training(recipe.steps)
            return vectors

        return run

    outcome = pipeline.adapt(
        listings,
        source=source,
        target=target,
        prefix=current.embedder.prefix,
        current=beating(current.encode),
        encoder_for=lambda path: beating(encoder(settings, path).encode),
        recipe=recipe,
        progress=(lambda step, _steps: on_training(step)) if on_training else None,
        provenance={"from_model": current.model_id},
        # an adapted model adapted again: its map onto the packaged scale is composed
        current_map=relevance.read_cosine_map(source) if source.is_dir() else None,
    )
    result: dict[str, Any] = {
        **outcome.as_dict(),
        "listings": len(listings),
        "from_model_id": current.model_id,
        "recipe": recipe.as_dict(),
        "index_rebuilt": False,
    }
    if outcome.accepted:
        adapted = SearchEngine(settings, str(target))
        result["model_id"] = adapted.embedder.model_id
        result["model"] = target.name
        result["indexed"] = switch_to(session, settings, adapted, on_indexing)
        result["index_rebuilt"] = True
    return result


def switch_to(
    session: Session, settings: Settings, engine: SearchEngine, progress: Progress | None = None
) -> int:
    """Rebuild the index with `engine`'s model into a new index, swap it in, then point every
    process at the model. Returns the listings indexed."""
    written = indexing.rebuild(session, engine, progress)
    registry.switch(settings, engine.model_name)
    # listings saved during the rebuild were indexed into the old index: catch them up
    indexing.repair(session, engine, indexing.drift(session, engine))
    registry.prune(settings)
    return written


def rollback_target(settings: Settings) -> str | None:
    return registry.active(settings).previous


def rollback(session: Session, settings: Settings, progress: Progress | None = None) -> dict:
    """Return to the model in use before the last switch (rebuilding the index with it)."""
    previous = rollback_target(settings)
    if previous is None:
        raise ValidationFailed("nothing_to_roll_back")
    engine = SearchEngine(settings, previous)
    written = switch_to(session, settings, engine, progress)
    return {"model_id": engine.embedder.model_id, "indexed": written, "index_rebuilt": True}


def runs(session: Session, limit: int = 20) -> list[Job]:
    """Adaptation and rollback runs, newest first."""
    return list(
        session.scalars(
            sa.select(Job).where(Job.kind.in_(JOB_KINDS)).order_by(Job.id.desc()).limit(limit)
        )
    )


def is_running(session: Session) -> bool:
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Job)
            .where(
                Job.kind.in_(JOB_KINDS),
                Job.finished_at.is_(None),
                Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
            )
        )
    )


@dataclass(frozen=True)
class Suggestion:
    listings: int  # published now
    at_last_adaptation: int | None  # published when the model in use was adapted


def suggestion(session: Session) -> Suggestion | None:
    """Whether to suggest adapting: enough listings and none adapted yet, or the published
    listings grew by GROWTH_SHARE since the last accepted adaptation."""
    now = indexing.count_indexable(session)
    last = None
    for job in session.scalars(
        sa.select(Job)
        .where(Job.kind == ADAPT_JOB, Job.state == JobState.SUCCEEDED)
        .order_by(Job.id.desc())
    ):
        if (job.result or {}).get("accepted"):
            last = int(job.result.get("listings") or 0)
            break
    if last is None:
        return Suggestion(now, None) if now >= pipeline.MIN_DOCUMENTS else None
    return Suggestion(now, last) if now >= last * (1 + GROWTH_SHARE) else None
