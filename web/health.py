"""Liveness and readiness endpoints for load balancers and docker-compose health checks.

Readiness fails (503) only when the database is unreachable: it is the source of truth and
nothing works without it. The broker, the search index and the model are reported too, as
"degraded": the site keeps working without them (search falls back, jobs wait in the queue).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from matchmaker import runtime
from matchmaker.celery_app import celery
from matchmaker.search import readiness
from web import db

bp = Blueprint("health", __name__)
BROKER_TIMEOUT_SECONDS = 1.0


def _error(exc: BaseException) -> str:
    return f"error: {exc.__class__.__name__}"


def _database() -> str:
    try:
        db.session().execute(sa.text("SELECT 1"))
        return "ok"
    except sa.exc.SQLAlchemyError as exc:
        db.session().rollback()
        return _error(exc)


def _broker() -> str:
    if runtime.settings().celery_always_eager:
        return "ok (tasks run in the request)"
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return "ok"
    except Exception as exc:  # kombu raises transport-specific errors
        return _error(exc)


def _index() -> str:
    if not runtime.settings().search_enabled:
        return "disabled"
    try:
        return f"ok ({runtime.search_engine().document_count()} documents)"
    except Exception as exc:  # the backend is down or unreachable: search falls back
        return _error(exc)


def _background() -> str:
    """ "idle", or the index build / re-matching still running, with its progress."""
    unfinished = readiness.setup_in_progress(db.session())
    if not unfinished:
        return "idle"
    return "running: " + ", ".join(f"{job.kind} {job.done}/{job.total}" for job in unfinished)


def _model() -> str:
    engine = runtime.search_engine()
    # loading the model takes seconds, so readiness only reports whether it already happened
    return "loaded" if "embedder" in engine.__dict__ else "loads on first use"


@bp.route("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    # no check loads the model (seconds): the index is probed without it
    checks = {"database": _database(), "broker": _broker(), "index": _index(), "model": _model()}
    if not checks["database"].startswith("ok"):
        return jsonify(status="unavailable", checks=checks), 503
    checks["background"] = _background()
    degraded = any(v.startswith("error") for v in checks.values())
    return jsonify(status="degraded" if degraded else "ok", checks=checks), 200
