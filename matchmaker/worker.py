"""Celery worker entry point: `celery -A matchmaker.worker worker`."""

from typing import Any

from celery.signals import setup_logging, worker_init, worker_process_init, worker_ready

from matchmaker import logs, runtime
from matchmaker.celery_app import celery
from matchmaker.config import Settings

settings = Settings.from_env()
runtime.configure(settings)


if settings.log_format == "json":

    @setup_logging.connect
    def _structured_logs(**_kwargs: Any) -> None:
        # connecting this signal stops Celery from installing its own text handlers
        logs.configure("json")


@worker_init.connect
def _lower_priority(**_kwargs: Any) -> None:
    # before the pool starts: its processes inherit the priority
    runtime.yield_to_the_site(settings.worker_niceness)


@worker_init.connect
def _freeze_imports(**_kwargs: Any) -> None:
    # before the pool starts: its processes inherit the imports already out of full collections
    runtime.settle_long_lived_objects()


@worker_process_init.connect
def _own_connections(**_kwargs: Any) -> None:
    # a pool process is forked from the main one: database connections are not shared across
    runtime.database().forget_inherited_connections()


@worker_ready.connect
def _resume_stalled_jobs(**_kwargs: Any) -> None:
    # a worker starting after a crash picks up what the dead one left (not in eager mode)
    celery.send_task("matchmaker.resume_stalled_jobs")


__all__ = ["celery"]
