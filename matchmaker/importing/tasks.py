"""Celery tasks of bulk import. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.importing import operations as importing
from matchmaker.models import Job


@shared_task(name=importing.TASK, acks_late=True)
def import_achievements(job_id: int) -> None:
    """Bulk import of a confirmed spreadsheet; resumes where a killed worker stopped."""
    with runtime.database().session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        try:
            importing.run(session, job, settings=runtime.settings(), engine=runtime.search_engine())
        except Exception as exc:
            jobs.record_failure(session, job_id, exc)
            raise
