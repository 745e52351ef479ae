"""Celery tasks of listings. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.listings import uploads, validity


@shared_task(name="matchmaker.listing_lifecycle")
def listing_lifecycle() -> dict[str, int]:
    """Daily (beat): expire listings past their date, send renewal reminders, remove uploads
    left pending for more than a day."""
    with runtime.database().transaction() as session:
        report = validity.run_daily(session, runtime.settings())
    removed = uploads.remove_stale_pending(runtime.settings().upload_dir)
    return {"expired": report.expired, "nudged": report.nudged, "uploads_removed": removed}
