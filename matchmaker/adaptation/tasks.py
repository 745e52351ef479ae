"""Celery tasks of adaptation: arguments are job ids; progress goes on the job row. A resent job
(its worker died) starts again from the current model: a half-written model directory is left
under its `.partial` name and never used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task

from indexer.adaptation import Recipe
from matchmaker import runtime
from matchmaker.adaptation import operations
from matchmaker.core import audit, jobs
from matchmaker.models import Job, JobState, User
from matchmaker.search import indexing


def _run(job_id: int, total: Callable[[Any], int], work: Callable[..., dict[str, Any]]) -> None:
    db = runtime.database()
    with db.transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.state in (JobState.SUCCEEDED, JobState.RUNNING):
            return
        jobs.start(job, total=total(session))

    def progress(done: int) -> None:
        with db.transaction() as s:
            tracked = s.get(Job, job_id)
            if tracked is not None:
                jobs.advance(tracked, done)

    try:
        with db.session() as session:
            result = work(session, progress)
    except Exception as exc:
        with db.session() as session:
            jobs.record_failure(session, job_id, exc)
        raise
    with db.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        jobs.succeed(job, **result)
        if result.get("index_rebuilt"):
            actor = session.get(User, job.created_by_id) if job.created_by_id else None
            model_id = result.get("model_id")
            if job.kind == operations.ADAPT_JOB:
                audit.record(
                    session, actor, "model.adapted", "model_run", job.id, model_id=model_id
                )
            else:
                audit.record(
                    session, actor, "model.rolled_back", "model_run", job.id, model_id=model_id
                )


@shared_task(name="matchmaker.adapt_model")
def adapt_model(job_id: int) -> None:
    """Adapt the model to the published listings; switch to it if it passes the self-check.
    Progress: the training steps, then the listings re-indexed."""
    settings = runtime.settings()
    with runtime.database().session() as session:
        job = session.get(Job, job_id)
        recipe = Recipe(**(job.params.get("recipe") or {})) if job else Recipe()

    def work(session: Any, progress: Callable[[int], None]) -> dict[str, Any]:
        return operations.adapt(
            session,
            settings,
            runtime.search_engine(),
            recipe=recipe,
            on_training=progress,
            on_indexing=lambda done: progress(recipe.steps + done),
        )

    _run(job_id, lambda s: recipe.steps + indexing.count_indexable(s), work)


@shared_task(name="matchmaker.rollback_model")
def rollback_model(job_id: int) -> None:
    """Return to the previous model, rebuilding the index with it."""
    settings = runtime.settings()
    _run(
        job_id,
        indexing.count_indexable,
        lambda session, progress: operations.rollback(session, settings, progress),
    )
