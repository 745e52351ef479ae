"""The one Celery app, configured from Settings.

Production uses Redis as the broker. The embedded default uses kombu's filesystem transport:
messages are files under instance/broker/, so one machine needs no broker server, the queue
survives restarts, and `matchmaker run` starts a worker beside the web server.
"""

from __future__ import annotations

import importlib

from celery import Celery
from celery.schedules import crontab
from kombu import pools as kombu_pools

from matchmaker.config import Settings

# every feature's tasks.py; registered in each process that configures Celery, so a task can be
# enqueued by name (core.dispatch) from a module that must not import it
TASK_MODULES = [
    f"matchmaker.{feature}.tasks"
    for feature in (
        "core",
        "search",
        "adaptation",
        "matching",
        "importing",
        "listings",
        "saved_searches",
        "review",
        "roadshows",
        "notifications",
        "interest",
        "conversations",
        "experts",
    )
]
celery = Celery("matchmaker", include=TASK_MODULES)
celery.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,  # progress lives in the jobs table, not a result backend
    task_acks_late=True,  # a task whose worker dies is redelivered, never lost
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    beat_schedule={
        # the queue indexes each change; this catches whatever a broker or index outage missed
        "repair-index-drift": {"task": "matchmaker.repair_index_drift", "schedule": 15 * 60},
        "deliver-mail": {"task": "matchmaker.deliver_mail", "schedule": 60},
        # jobs whose worker died (the embedded filesystem queue forgets taken messages)
        "resume-stalled-jobs": {"task": "matchmaker.resume_stalled_jobs", "schedule": 60},
        # 01:00 UTC is 09:00 in China, the start of the staff's day
        "stuck-match-digest": {
            "task": "matchmaker.stuck_match_digest",
            "schedule": crontab(hour=1, minute=0),
        },
        # expiry and renewal reminders early in the Chinese morning (UTC+8 → 06:00)
        "listing-lifecycle": {
            "task": "matchmaker.listing_lifecycle",
            "schedule": crontab(hour=22, minute=0),
        },
        # digests after the expiry run, so expired listings are never announced (07:00 UTC+8)
        "saved-search-digests": {
            "task": "matchmaker.saved_search_digests",
            "schedule": crontab(hour=23, minute=0),
        },
        # yesterday's interest-request news, one mail per person (UTC+8 → 08:00)
        "interest-digest": {
            "task": "matchmaker.interest_digest",
            "schedule": crontab(hour=0, minute=0),
        },
        # new conversation messages as one e-mail per person, at most hourly
        "conversation-digests": {
            "task": "matchmaker.conversation_digests",
            "schedule": crontab(minute=15),
        },
        # roadshow follow-up reminders in the Chinese morning (UTC+8 → 09:30)
        "roadshow-followup-reminders": {
            "task": "matchmaker.roadshow_followup_reminders",
            "schedule": crontab(hour=1, minute=30),
        },
    },
)


def _drop_broker_connections() -> None:
    """Celery caches connection pools on first use; a reconfigured broker needs fresh ones
    (only happens when one process switches settings, as the test suite does). The pools live
    in kombu's registries, keyed by broker: closing one and leaving it there handed the closed
    pool out again when the process came back to that broker, so the registries are emptied."""
    kombu_pools.reset()
    celery._pool = None
    if "amqp" in celery.__dict__:
        celery.amqp._producer_pool = None


def configure_celery(settings: Settings) -> Celery:
    # Without this, threads other than the importing one (e.g. a threaded web server's request
    # threads) resolve shared tasks to Celery's built-in default app and its amqp broker.
    celery.set_default()
    previous = (celery.conf.broker_url, celery.conf.broker_transport_options)
    if settings.is_embedded_broker:
        queue_dir = settings.broker_dir / "queue"
        processed_dir = settings.broker_dir / "processed"
        queue_dir.mkdir(parents=True, exist_ok=True)
        processed_dir.mkdir(parents=True, exist_ok=True)
        celery.conf.update(
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(queue_dir),
                "data_folder_out": str(queue_dir),
                "processed_folder": str(processed_dir),
                # broadcast/control messages; kombu would otherwise write ./control in the cwd
                "control_folder": str(settings.broker_dir / "control"),
                "store_processed": False,
            },
        )
    else:
        celery.conf.update(
            broker_url=settings.broker_url,
            broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        )
    if (celery.conf.broker_url, celery.conf.broker_transport_options) != previous:
        _drop_broker_connections()
    celery.conf.task_always_eager = settings.celery_always_eager
    # Celery compares each pool process's peak RSS (KiB) with this after every task
    celery.conf.worker_max_memory_per_child = settings.worker_max_memory_mb * 1024 or None
    celery.conf.task_eager_propagates = settings.celery_always_eager
    for module in TASK_MODULES:
        importlib.import_module(module)
    return celery
