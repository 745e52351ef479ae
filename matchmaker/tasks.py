"""Celery tasks of the domain. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from indexer.backends import IndexUnavailable
from matchmaker import runtime
from matchmaker.models import Job, JobState
from matchmaker.search import indexing
from matchmaker.services import jobs


@shared_task(name="matchmaker.ping")
def ping(job_id: int) -> None:
    """Round trip through the broker and a worker; used by health checks and the test suite."""
    with runtime.database().transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.state == JobState.SUCCEEDED:
            return
        jobs.start(job, total=1)
        jobs.succeed(job, pong=True)


@shared_task(
    name="matchmaker.sync_listing_index",
    autoretry_for=(IndexUnavailable,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=100,
)
def sync_listing_index(kind: str, listing_id: int) -> str:
    """(Re)index or remove one listing; retried with backoff while the index is down."""
    with runtime.database().transaction() as session:
        outcome = indexing.sync_listing(session, runtime.search_engine(), kind, listing_id)
    if outcome == "indexed":
        # a listing becomes matchable once it is in the index
        match_listing.delay(kind, listing_id)
    return outcome


@shared_task(name="matchmaker.rebuild_index")
def rebuild_index(job_id: int) -> None:
    """Rebuild the whole index from the database, reporting progress on the job row."""
    db = runtime.database()
    with db.transaction() as session:
        job = session.get(Job, job_id)
        if job is None or job.state in (JobState.SUCCEEDED, JobState.RUNNING):
            return
        jobs.start(job, total=indexing.count_indexable(session))

    def progress(done: int) -> None:
        with db.transaction() as s:
            tracked = s.get(Job, job_id)
            if tracked is not None:
                jobs.advance(tracked, done)

    try:
        with db.session() as session:
            written = indexing.rebuild(session, runtime.search_engine(), progress)
    except Exception as exc:
        with db.session() as session:
            jobs.record_failure(session, job_id, exc)
        raise
    with db.transaction() as session:
        jobs.succeed(session.get(Job, job_id), indexed=written)


@shared_task(name="matchmaker.repair_index_drift")
def repair_index_drift() -> int:
    """Safety net run by beat: index what the queue missed while a service was down."""
    engine = runtime.search_engine()
    with runtime.database().session() as session:
        report = indexing.drift(session, engine)
        return indexing.repair(session, engine, report) if report.total else 0


@shared_task(name="matchmaker.import_achievements", acks_late=True)
def import_achievements(job_id: int) -> None:
    """Bulk import of a confirmed spreadsheet; resumes where a killed worker stopped."""
    from matchmaker.importing import service as importing

    with runtime.database().session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        try:
            importing.run(session, job)
        except Exception as exc:
            jobs.record_failure(session, job_id, exc)
            raise


@shared_task(name="matchmaker.deliver_mail")
def deliver_mail() -> int:
    """Send the outbox through SMTP (beat runs it every minute; a no-op without a server)."""
    from matchmaker.services import mailer

    with runtime.database().session() as session:
        return mailer.deliver_pending(session, runtime.settings())


@shared_task(name="matchmaker.stuck_match_digest")
def stuck_match_digest() -> int:
    """Daily: tell staff which matches have waited too long in one pipeline stage."""
    from matchmaker.services import reminders

    with runtime.database().transaction() as session:
        return reminders.send_stuck_digests(session, runtime.settings().match_stuck_days)


@shared_task(name="matchmaker.match_listing")
def match_listing(kind: str, listing_id: int) -> dict[str, int]:
    """Propose matches for one newly published listing (both directions are covered: a need
    looks for achievements, an achievement for needs)."""
    from matchmaker.matching import service as matching
    from matchmaker.search.documents import KINDS

    engine = runtime.search_engine()
    with runtime.database().transaction() as session:
        listing = session.get(KINDS[kind], listing_id)
        if listing is None:
            return {}
        return matching.match_listing(session, engine, listing)


@shared_task(name="matchmaker.rematch_all")
def rematch_all(job_id: int) -> None:
    """Batch re-matching of every published need, with progress on the job row."""
    from matchmaker.matching import service as matching

    db = runtime.database()
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.state == JobState.SUCCEEDED:
            return
        jobs.start(job)
        session.commit()

        def progress(done: int, total: int) -> None:
            tracked = session.get(Job, job_id)
            tracked.total = total
            jobs.advance(tracked, done)
            session.commit()

        try:
            totals = matching.match_all(session, runtime.search_engine(), progress)
        except Exception as exc:
            jobs.record_failure(session, job_id, exc)
            raise
        jobs.succeed(session.get(Job, job_id), **totals)
        session.commit()


@shared_task(name="matchmaker.listing_lifecycle")
def listing_lifecycle() -> dict[str, int]:
    """Daily (beat): expire listings past their date, send renewal reminders."""
    from matchmaker.services import lifecycle

    with runtime.database().transaction() as session:
        report = lifecycle.run_daily(session, runtime.settings())
    return {"expired": report.expired, "nudged": report.nudged}


@shared_task(name="matchmaker.saved_search_digests")
def saved_search_digests() -> dict[str, int]:
    """Daily (beat): digests of new listings for every saved search that is due (weekly ones
    every seventh day); commits per digest, so a rerun after a crash sends nothing twice."""
    from matchmaker.services import digests

    with runtime.database().session() as session:
        report = digests.run(session, runtime.search_engine(), runtime.settings())
    return {"searched": report.searched, "sent": report.sent, "items": report.items}


@shared_task(name="matchmaker.roadshow_followup_reminders")
def roadshow_followup_reminders() -> int:
    """Daily (beat): remind meeting participants 7 and 30 days after a roadshow to record the
    follow-up they have not recorded yet."""
    from matchmaker.services import roadshow_reminders

    with runtime.database().transaction() as session:
        return roadshow_reminders.send_followup_reminders(session)
