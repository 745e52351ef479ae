"""Celery tasks of the domain's infrastructure. Arguments are ids; every task is safe to
run twice."""

from __future__ import annotations

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
