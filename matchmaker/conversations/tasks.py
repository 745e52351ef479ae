"""Celery tasks of conversations. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.conversations import digests


@shared_task(name="matchmaker.conversation_digests")
def conversation_digests() -> int:
    """Every hour (beat): one e-mail per person with the new messages of their threads."""
    with runtime.database().transaction() as session:
        return digests.run(session, runtime.settings()).mailed
