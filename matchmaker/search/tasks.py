"""Celery tasks of search: keeping the index in step with the database. Arguments are ids;
every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.orm import Session

from indexer.backends import IndexUnavailable
from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.core.dispatch import enqueue
from matchmaker.models import Job, JobState
from matchmaker.search import indexing
from matchmaker.search.documents import EXPERT_KIND, KINDS


@shared_task(
    name=indexing.SYNC_TASK,
    autoretry_for=(IndexUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=100,
)
def sync_listing_index(kind: str, listing_id: int) -> str:
    """(Re)index or remove one listing; retried with backoff while the index is down."""
    with runtime.database().transaction() as session:
        outcome = indexing.sync_listing(session, runtime.search_engine(), kind, listing_id)
    if outcome == "indexed" and kind in KINDS:
        # a listing becomes matchable once it is in the index (matching sits above search);
        # experts are matched when their or a need's page is shown (experts/matching.py)
        enqueue("matchmaker.match_listing", kind, listing_id)
    if outcome == "indexed" and kind == "need":
        enqueue("matchmaker.match_need_experts", listing_id)  # experts who could help
    elif outcome == "indexed" and kind == EXPERT_KIND:
        enqueue("matchmaker.match_expert_needs", listing_id)
    return outcome


@shared_task(name="matchmaker.rebuild_index")
def rebuild_index(job_id: int) -> None:
    """Rebuild the whole index from the database, reporting progress on the job row."""
    db = runtime.database()
    with db.transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.state in (JobState.SUCCEEDED, JobState.RUNNING):
            return
        jobs.start(job, total=indexing.count_indexable(session))

    def progress(done: int) -> None:
        with db.transaction() as s:
            tracked = s.get(Job, job_id)
            if tracked is not None:
                jobs.advance(tracked, done)

    try:
        with db.session() as session:
            written = indexing.rebuild(session, runtime.search_engine(), progress)
    except Exception as exc:
        with db.session() as session:
            jobs.record_failure(session, job_id, exc)
        raise
    with db.transaction() as session:
        job = session.get(Job, job_id)
        jobs.succeed(job, indexed=written)
        follow_up = _match_all_job(session) if job.params.get("then_match_all") else None
    if follow_up is not None:
        jobs.send(follow_up)  # the re-match proposes experts too, once it is done


def _match_all_job(session: Session) -> Job:
    """A first start's demo needs get their proposals once they can be found (by name: matching
    sits above search)."""
    job = jobs.create(session, "rematch_all")
    jobs.submit(job, "matchmaker.rematch_all")
    return job


@shared_task(name="matchmaker.repair_index_drift")
def repair_index_drift() -> int:
    """Safety net run by beat: index what the queue missed while a service was down."""
    engine = runtime.search_engine()
    with runtime.database().session() as session:
        report = indexing.drift(session, engine)
        return indexing.repair(session, engine, report) if report.total else 0
