"""Celery tasks of match review. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.review import stuck_digest


@shared_task(name="matchmaker.stuck_match_digest")
def stuck_match_digest() -> int:
    """Daily: tell staff which matches have waited too long in one pipeline stage."""
    with runtime.database().transaction() as session:
        return stuck_digest.send_stuck_digests(session, runtime.settings().match_stuck_days)
