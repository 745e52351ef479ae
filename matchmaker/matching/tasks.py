"""Celery tasks of matching. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.core.dispatch import enqueue
from matchmaker.matching import operations as matching
from matchmaker.models import Job, JobState
from matchmaker.search.documents import KINDS


@shared_task(name="matchmaker.match_listing")
def match_listing(kind: str, listing_id: int) -> dict[str, int]:
    """Propose matches for one newly published listing (both directions are covered: a need
    looks for achievements, an achievement for needs)."""
    engine = runtime.search_engine()
    with runtime.database().transaction() as session:
        listing = session.get(KINDS[kind], listing_id)
        if listing is None:
            return {}
        return matching.match_listing(session, engine, listing)


@shared_task(name="matchmaker.rematch_all")
def rematch_all(job_id: int) -> None:
    """Batch re-matching of every published need, with progress on the job row; then the
    experts are proposed again for the open needs (by name: experts sit above matching), so
    the admin's "re-match all" and a first start refresh both kinds of proposal."""
    db = runtime.database()
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.state == JobState.SUCCEEDED:
            return
        jobs.start(job)
        session.commit()

        def progress(done: int, total: int) -> None:
            tracked = session.get(Job, job_id)
            tracked.total = total
            jobs.advance(tracked, done)
            session.commit()

        try:
            totals = matching.match_all(session, runtime.search_engine(), progress)
        except Exception as exc:
            jobs.record_failure(session, job_id, exc)
            raise
        jobs.succeed(session.get(Job, job_id), **totals)
        session.commit()
    enqueue("matchmaker.propose_all_experts")
