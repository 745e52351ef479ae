"""Enqueue a Celery task by its registered name.

A lower layer that must start a higher layer's work (indexing a listing makes it matchable)
names the task instead of importing it, so the import arrows keep pointing one way. Every task
module is registered when Celery is configured (`celery_app.TASK_MODULES`).
"""

from __future__ import annotations

from typing import Any


def enqueue(task_name: str, *args: Any) -> None:
    from matchmaker.celery_app import celery

    celery.tasks[task_name].delay(*args)
