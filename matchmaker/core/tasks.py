"""Celery tasks of the domain's infrastructure. Arguments are ids; every task is safe to
run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.models import Job, JobState


@shared_task(name="matchmaker.ping")
def ping(job_id: int) -> None:
    """Round trip through the broker and a worker; used by health checks and the test suite."""
    with runtime.database().transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.state == JobState.SUCCEEDED:
            return
        jobs.start(job, total=1)
        jobs.succeed(job, pong=True)


@shared_task(name="matchmaker.resume_stalled_jobs")
def resume_stalled_jobs() -> int:
    """Beat, every minute, and each worker as it starts: send again jobs whose worker died."""
    stale = timedelta(seconds=runtime.settings().job_stale_seconds)
    with runtime.database().session() as session:
        return jobs.resume_stalled(session, stale)
