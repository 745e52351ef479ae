"""Whether the index can answer yet: a first start builds it in the background, and until that
build is done search answers from the database and says so, instead of showing nothing."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.backends import IndexError_
from matchmaker.core import jobs
from matchmaker.models import Job, JobState
from matchmaker.search.engine import SearchEngine

REBUILD_JOB = "rebuild_index"
# what a first start leaves to the worker: the index, then the demo's proposals
SETUP_JOBS = (REBUILD_JOB, "rematch_all")


@dataclass(frozen=True)
class IndexBuild:
    """A rebuild that has not finished: `done` of `total` listings indexed so far."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def unfinished_build(session: Session) -> IndexBuild | None:
    job = session.scalar(
        sa.select(Job)
        .where(Job.kind == REBUILD_JOB, Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .order_by(Job.id.desc())
        .limit(1)
    )
    return None if job is None else IndexBuild(job.done, job.total)


def building_first_index(session: Session, engine: SearchEngine) -> IndexBuild | None:
    """The unfinished build when the index it replaces is empty, so nothing can be found in it
    yet. A rebuild over a full index is not reported: readers keep the old index until the
    swap."""
    build = unfinished_build(session)
    if build is None:
        return None
    try:
        empty = engine.index.count() == 0
    except (IndexError_, OSError):  # a missing or mismatched index is as good as empty here
        empty = True
    return build if empty else None


def start_rebuild(session: Session, *, then_match_all: bool = False) -> Job:
    """Record a rebuild job for the worker; the caller commits, then `jobs.send`s it."""
    job = jobs.create(session, REBUILD_JOB, then_match_all=then_match_all)
    jobs.submit(job, "matchmaker.rebuild_index")
    return job


def setup_in_progress(session: Session) -> list[Job]:
    """Unfinished index builds and re-matchings, oldest first (readiness reports them)."""
    return list(
        session.scalars(
            sa.select(Job)
            .where(Job.kind.in_(SETUP_JOBS), Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
            .order_by(Job.id)
        )
    )
