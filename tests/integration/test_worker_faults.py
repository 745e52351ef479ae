"""A Celery worker killed in the middle of the batch re-match: the task comes back and finishes,
no proposal is lost and none is written twice (Redis broker, PostgreSQL, real worker processes)."""

from __future__ import annotations

import signal
from dataclasses import replace

import pytest
import sqlalchemy as sa

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.matching import operations as matching
from matchmaker.matching import ranker, scoring
from matchmaker.models import JobState, Match, Need
from tests.conftest import make_settings
from tests.integration.test_matching import demo_world
from tests.integration.worker_helpers import detached_job, running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VISIBILITY_SECONDS = 3  # how soon Redis hands a dead worker's task to the next one


def test_rematch_survives_a_killed_worker(tmp_path, pg_url, redis_url, monkeypatch) -> None:
    monkeypatch.setenv("MATCHMAKER_BROKER_VISIBILITY_TIMEOUT", str(VISIBILITY_SECONDS))
    settings = replace(
        make_settings(tmp_path, pg_url, search_enabled=True),
        broker_url=redis_url,
        broker_visibility_timeout=VISIBILITY_SECONDS,
        celery_always_eager=False,
    )
    db = demo_world(settings)
    from matchmaker.matching.tasks import rematch_all

    with db.transaction() as s:
        job_id = jobs.create(s, "rematch_all").id
    rematch_all.delay(job_id)

    with running_worker(settings, tmp_path / "worker1.log") as first:

        def partway() -> bool:
            job = detached_job(db, job_id)
            return job.state == JobState.RUNNING and (job.done or 0) >= 3

        assert wait_for(partway, timeout=240, interval=0.05), (tmp_path / "worker1.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    killed_at = detached_job(db, job_id)
    assert killed_at.state == JobState.RUNNING and killed_at.done < killed_at.total

    with running_worker(settings, tmp_path / "worker2.log"):
        finished = wait_for(
            lambda: detached_job(db, job_id).state == JobState.SUCCEEDED, timeout=240
        )
        assert finished, (tmp_path / "worker2.log").read_text()[-3000:]

    engine = runtime.search_engine()
    with db.session() as s:
        # achievement proposals (the re-match then proposes experts too, as its own task)
        stored = s.execute(
            sa.select(Match.need_id, Match.achievement_id).where(Match.achievement_id.is_not(None))
        ).all()
        assert len(stored) == len(set(stored)) > 0  # nothing written twice
        expected = set()
        for need in s.scalars(sa.select(Need).where(Need.state == "published")):
            for item in ranker.for_need(s, engine, need, matching.PROPOSALS_PER_LISTING):
                if item.score >= scoring.MIN_PROPOSAL_SCORE:
                    expected.add((need.id, item.achievement.id))
        assert set(stored) == expected  # nothing lost: every need was matched in the end
    db.dispose()
