"""Celery tasks of interest requests. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.interest import digest


@shared_task(name="matchmaker.interest_digest")
def interest_digest() -> int:
    """Yesterday's interest-request news, one mail per person (beat runs it daily)."""
    with runtime.database().transaction() as session:
        return digest.send(session)
