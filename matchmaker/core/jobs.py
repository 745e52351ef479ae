"""Background jobs: a row per job, so progress survives restarts and any process can read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.models import Job, JobState, User


def create(
    session: Session, kind: str, *, actor: User | None = None, total: int = 0, **params: Any
) -> Job:
    job = Job(kind=kind, created_by_id=actor.id if actor else None, total=total, params=params)
    session.add(job)
    session.flush()
    return job


def start(job: Job, total: int | None = None) -> None:
    job.state = JobState.RUNNING
    if total is not None:
        job.total = total


def advance(job: Job, done: int) -> None:
    job.done = done


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
