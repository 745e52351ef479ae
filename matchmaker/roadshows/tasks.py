"""Celery tasks of roadshows. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.roadshows import reminders


@shared_task(name="matchmaker.roadshow_followup_reminders")
def roadshow_followup_reminders() -> int:
    """Daily (beat): remind meeting participants 7 and 30 days after a roadshow to record the
    follow-up they have not recorded yet."""
    with runtime.database().transaction() as session:
        return reminders.send_followup_reminders(session)
