"""Start a real Celery worker process for a test and send it work."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matchmaker.config import Settings
from matchmaker.models import Job


@contextmanager
def running_worker(
    settings: Settings,
    log_path: Path,
    *,
    pool: str = "solo",
    extra_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ.copy()
    env.update(
        MATCHMAKER_INSTANCE_DIR=str(settings.instance_dir),
        MATCHMAKER_DATABASE_URL=settings.database_url,
        MATCHMAKER_BROKER_URL=settings.broker_url,
        MATCHMAKER_SECRET_KEY="test-secret",
        **(extra_env or {}),
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "matchmaker.worker",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def detached_job(db, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    """The job row as it is now, readable after its session closed."""
    with db.session() as s:
        job = s.get(Job, job_id)
        s.expunge(job)
        return job
