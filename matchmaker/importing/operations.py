"""Bulk import as a job: preview (validated rows, nothing saved), confirm, import in the worker.

The job row holds the validated rows and, as the import goes on, which spreadsheet rows became
which achievements, so a retried or repeated task never imports a row twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from matchmaker.config import Settings
from matchmaker.core import jobs
from matchmaker.core.errors import PermissionDenied
from matchmaker.duplicates import guards as duplicates
from matchmaker.importing.achievements import validate
from matchmaker.importing.preview import preview_job
from matchmaker.listings import operations as listings
from matchmaker.models import Achievement, IPType, Job, JobState, ListingState, Role, User
from matchmaker.notifications import notify
from matchmaker.search.engine import SearchEngine

KIND = "import_achievements"
TASK = "matchmaker.import_achievements"
EMBED_AHEAD = 32  # rows embedded in one batch


def preview(session: Session, actor: User, data: bytes, filename: str) -> Job:
    """Read and validate a spreadsheet; raises TableError for files that cannot be read."""
    if actor.role != Role.RESEARCHER:
        raise PermissionDenied("wrong_role")
    return preview_job(session, actor, KIND, data, filename, validate, "title", submit=False)


def confirm(session: Session, actor: User, job: Job, submit_for_review: bool) -> None:
    if job.kind != KIND or job.created_by_id != actor.id:
        raise PermissionDenied("not_owner")
    if job.params.get("confirmed"):
        return  # a second click changes nothing
    job.params = {**job.params, "confirmed": True, "submit": submit_for_review}
    jobs.submit(job, TASK)


def run(session: Session, job: Job, *, settings: Settings, engine: SearchEngine) -> None:
    """Import the remaining rows, committing each row with the job's progress: a write
    transaction lasts one row, so on SQLite (one writer at a time) people signing in or saving
    meanwhile wait milliseconds, not the length of a batch."""
    if job.state == JobState.SUCCEEDED or not job.params.get("confirmed"):
        return
    owner = session.get(User, job.created_by_id)
    if owner is None:
        jobs.fail(job, "owner missing")
        return
    created: dict[str, int] = dict(job.result.get("created", {}))
    jobs.start(job, total=len(job.params["rows"]))
    session.commit()
    compare_with = (
        duplicates.available_engine(settings, engine) if job.params.get("submit") else None
    )
    pending = [row for row in job.params["rows"] if str(row["row"]) not in created]
    for position, row in enumerate(pending):
        if compare_with is not None and position % EMBED_AHEAD == 0:
            _embed_ahead(compare_with, owner, pending[position : position + EMBED_AHEAD])
        draft = _draft(row, owner)
        found = None
        if job.params.get("submit"):
            # the slow part (reading and comparing other listings) before the write begins
            found = duplicates.near_duplicates_of(session, draft, compare_with, mine_only=False)
        achievement = listings.create(session, owner, draft)
        if job.params.get("submit"):
            listings.transition(
                session,
                owner,
                achievement,
                ListingState.SUBMITTED,
                settings=settings,
                engine=engine,
                near_duplicates=found,
            )
        created[str(row["row"])] = achievement.id
        # a copy: the value SQLAlchemy compares with is the last committed one, which still
        # holds `created` itself, so an in-place update would look unchanged and not be saved
        job.result = {**job.result, "created": dict(created)}
        jobs.advance(job, len(created))
        session.commit()
    jobs.succeed(job, created=created, imported=len(created), failed=len(job.params["failed"]))
    notify.notify(
        session,
        owner,
        "import_finished",
        f"/my/achievement/import/{job.id}",
        imported=len(created),
        failed=len(job.params["failed"]),
    )
    session.commit()


def report_rows(job: Job) -> list[dict[str, Any]]:
    """Every row of the spreadsheet in its order: imported, not yet imported, or refused
    (with its errors and the cell texts they are about)."""
    created = job.result.get("created", {})
    rows = [
        {**row, "status": "imported" if str(row["row"]) in created else "pending"}
        for row in job.params.get("rows", [])
    ]
    rows += [{**row, "status": "refused"} for row in job.params.get("failed", [])]
    return sorted(rows, key=lambda row: int(row["row"]))


def _embed_ahead(engine: SearchEngine, owner: User, rows: list[dict[str, Any]]) -> None:
    """Embed the next rows' texts in one batch: the near-duplicate check and, later, indexing
    find them in the embedding cache. One text at a time costs the model ~2.5 times as much."""
    engine.embedder.encode([duplicates.comparable_text(_draft(row, owner)) for row in rows])


def _draft(row: dict[str, Any], owner: User) -> Achievement:
    """The unsaved achievement of a row, of the owner's organisation (as `listings.create`
    will save it), so the near-duplicate check compares it as it will be."""
    values = {k: v for k, v in row.items() if k != "row"}
    values["ip_type"] = IPType(values["ip_type"]) if values.get("ip_type") else None
    return Achievement(**values, organisation_id=owner.organisation_id)
