"""A task travels through a real broker to a real worker process and changes the database."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from matchmaker import migrate, runtime
from matchmaker.config import Settings
from matchmaker.core import jobs
from matchmaker.core.tasks import ping
from matchmaker.models import Job, JobState
from tests.conftest import make_settings
from tests.integration.worker_helpers import running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def round_trip(settings: Settings, log: Path) -> None:
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    with db.transaction() as s:
        job_id = jobs.create(s, "ping").id
    # enqueue before the worker exists: the message must wait in the broker, not be lost
    ping.delay(job_id)

    def finished() -> bool:
        with db.session() as s:
            return s.get(Job, job_id).state == JobState.SUCCEEDED

    with running_worker(settings, log):
        assert wait_for(finished, timeout=90), log.read_text()[-3000:]
    with db.session() as s:
        job = s.get(Job, job_id)
        assert job.result == {"pong": True}
        assert job.finished_at is not None
    db.dispose()


def test_embedded_default_filesystem_broker_and_sqlite(tmp_path: Path) -> None:
    settings = replace(make_settings(tmp_path), celery_always_eager=False, broker_url="")
    round_trip(settings, tmp_path / "worker.log")
    assert (settings.broker_dir / "queue").is_dir()


def test_redis_broker_and_postgresql(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    settings = replace(
        make_settings(tmp_path, pg_url), celery_always_eager=False, broker_url=redis_url
    )
    round_trip(settings, tmp_path / "worker.log")
