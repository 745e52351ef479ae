"""Celery tasks of saved searches. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.saved_searches import digests


@shared_task(name="matchmaker.saved_search_digests")
def saved_search_digests() -> dict[str, int]:
    """Daily (beat): digests of new listings for every saved search that is due (weekly ones
    every seventh day); commits per digest, so a rerun after a crash sends nothing twice."""
    with runtime.database().session() as session:
        report = digests.run(session, runtime.search_engine(), runtime.settings())
    return {"searched": report.searched, "sent": report.sent, "items": report.items}
