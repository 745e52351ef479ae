"""A task travels through a real broker to a real worker process and changes the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from matchmaker import migrate, runtime
from matchmaker.config import Settings
from matchmaker.core import jobs
from matchmaker.core.tasks import ping
from matchmaker.db import Database
from matchmaker.models import Job, JobState
from tests.conftest import make_settings
from tests.integration.worker_helpers import running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def send_ping(db: Database) -> tuple[int, Callable[[], bool]]:
    """Queues a ping job: its id, and a check whether it has succeeded yet."""
    with db.transaction() as s:
        job_id = jobs.create(s, "ping").id
    ping.delay(job_id)

    def finished() -> bool:
        with db.session() as s:
            return s.get(Job, job_id).state == JobState.SUCCEEDED

    return job_id, finished


def round_trip(settings: Settings, log: Path) -> None:
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    # sent before the worker exists: the message must wait in the broker, not be lost
    job_id, finished = send_ping(db)
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


def _pings_in_a_prefork_worker(tmp_path: Path, max_memory_mb: str) -> set[str]:
    """Two pings through a worker as `matchmaker run` starts it (one pool process); returns
    the names of the pool processes that ran them."""
    tmp_path.mkdir()
    settings = replace(make_settings(tmp_path), celery_always_eager=False, broker_url="")
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    log = tmp_path / "worker.log"

    extra_env = {"MATCHMAKER_WORKER_MAX_MEMORY_MB": max_memory_mb}
    with running_worker(settings, log, pool="prefork", extra_env=extra_env):
        for _ in range(2):
            _job_id, finished = send_ping(db)
            assert wait_for(finished, timeout=90), log.read_text()[-3000:]
    db.dispose()
    return set(
        re.findall(
            r"INFO/(ForkPoolWorker-\d+)\] Task matchmaker\.ping\[.*succeeded", log.read_text()
        )
    )


def test_a_pool_process_past_its_memory_limit_is_replaced_after_its_task(tmp_path: Path) -> None:
    """1 MB: every pool process is over it after its first task, so the second ping runs in
    a replacement (which opened its own database connections); without a limit, in the same."""
    assert len(_pings_in_a_prefork_worker(tmp_path / "limited", "1")) == 2
    assert len(_pings_in_a_prefork_worker(tmp_path / "unlimited", "0")) == 1
