"""Celery tasks of notifications. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.notifications import mailer


@shared_task(name="matchmaker.deliver_mail")
def deliver_mail() -> int:
    """Send the outbox through SMTP (beat runs it every minute; a no-op without a server)."""
    with runtime.database().session() as session:
        return mailer.deliver_pending(session, runtime.settings())
