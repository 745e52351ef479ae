"""Celery tasks of listings. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.listings import validity


@shared_task(name="matchmaker.listing_lifecycle")
def listing_lifecycle() -> dict[str, int]:
    """Daily (beat): expire listings past their date, send renewal reminders."""
    with runtime.database().transaction() as session:
        report = validity.run_daily(session, runtime.settings())
    return {"expired": report.expired, "nudged": report.nudged}
