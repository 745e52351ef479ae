"""Celery worker entry point: `celery -A matchmaker.worker worker`."""

from matchmaker import runtime
from matchmaker.celery_app import celery
from matchmaker.config import Settings

runtime.configure(Settings.from_env())

__all__ = ["celery"]
