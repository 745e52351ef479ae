"""Background jobs: a row per job, so progress survives restarts and any process can read it.

A job is sent to its task by name (`submit`, then `send` after the commit). While it runs, each
step of progress is a heartbeat. `resume_stalled` sends again the jobs whose worker went quiet
(killed, or its message lost: kombu's filesystem queue deletes a message when a worker takes
it, so the embedded default cannot rely on redelivery); the worker runs it when it starts and
beat every minute. Every job task resumes where the last attempt stopped, so sending twice is
safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core.dispatch import enqueue
from matchmaker.db import utcnow
from matchmaker.models import Job, JobState, User

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # a job that kills its worker this often is failed, not retried for ever


def create(
    session: Session, kind: str, *, actor: User | None = None, total: int = 0, **params: Any
) -> Job:
    job = Job(kind=kind, created_by_id=actor.id if actor else None, total=total, params=params)
    session.add(job)
    session.flush()
    return job


def submit(job: Job, task_name: str) -> None:
    """Name the task that runs `job`; `send` it once the transaction has committed."""
    job.task_name = task_name
    job.enqueued_at = utcnow()


def send(job: Job) -> None:
    assert job.task_name is not None
    enqueue(job.task_name, job.id)


def start(job: Job, total: int | None = None) -> None:
    job.state = JobState.RUNNING
    job.heartbeat_at = utcnow()
    if total is not None:
        job.total = total


def advance(job: Job, done: int) -> None:
    job.done = done
    job.heartbeat_at = utcnow()


def stalled(session: Session, stale_after: timedelta, now: datetime | None = None) -> list[Job]:
    """Sent, unfinished jobs with no sign of life for `stale_after`."""
    cutoff = (now or utcnow()) - stale_after
    last_seen = sa.func.coalesce(Job.heartbeat_at, Job.enqueued_at)
    return list(
        session.scalars(
            sa.select(Job)
            .where(
                Job.finished_at.is_(None),
                Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
                Job.task_name.is_not(None),
                last_seen < cutoff,
            )
            .order_by(Job.id)
        )
    )


def resume_stalled(session: Session, stale_after: timedelta, now: datetime | None = None) -> int:
    """Send stalled jobs again (commits first, so the worker finds the row); returns how many."""
    resent: list[Job] = []
    for job in stalled(session, stale_after, now):
        if job.attempts + 1 >= MAX_ATTEMPTS:
            fail(job, f"the worker stopped {job.attempts + 1} times while running this job")
            continue
        job.attempts += 1
        job.state = JobState.QUEUED
        job.enqueued_at = now or utcnow()
        job.heartbeat_at = None
        resent.append(job)
    session.commit()
    for job in resent:
        log.warning("resuming job %s (%s), attempt %s", job.id, job.kind, job.attempts + 1)
        send(job)
    return len(resent)


def succeed(job: Job, **result: Any) -> None:
    job.state = JobState.SUCCEEDED
    job.done = max(job.done, job.total)
    job.result = result
    job.finished_at = utcnow()


def record_failure(session: Session, job_id: int, exc: BaseException) -> None:
    """After a task failed: drop its unfinished work, mark the job failed, keep that."""
    session.rollback()
    job = session.get(Job, job_id)
    if job is not None:
        fail(job, f"{type(exc).__name__}: {exc}")
    session.commit()


def fail(job: Job, error: str) -> None:
    job.state = JobState.FAILED
    job.error = error[:4000]
    job.finished_at = utcnow()


def latest(session: Session, kinds: Sequence[str], limit: int = 6) -> list[Job]:
    """The newest jobs of these kinds, newest first."""
    return list(
        session.scalars(
            sa.select(Job).where(Job.kind.in_(kinds)).order_by(Job.id.desc()).limit(limit)
        )
    )
