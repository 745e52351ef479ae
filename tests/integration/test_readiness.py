"""Readiness against real services, and what it says when one of them is gone."""

from __future__ import annotations

import socket

import pytest

from matchmaker import migrate, runtime
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket closes


def _ready(settings):  # type: ignore[no-untyped-def]
    from web import create_app

    migrate.upgrade(settings.database_url)
    app = create_app(settings, TESTING=True)
    try:
        response = app.test_client().get("/readyz")
        return response.status_code, response.get_json()
    finally:
        runtime.database().dispose()


def test_all_real_services_ready(tmp_path, pg_url, redis_url, es_url) -> None:
    settings = make_settings(
        tmp_path,
        database_url=pg_url,
        broker_url=redis_url,
        celery_always_eager=False,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix="mm-ready",
    )
    status, body = _ready(settings)
    assert status == 200 and body["status"] == "ok", body
    assert body["checks"]["broker"] == "ok" and body["checks"]["index"].startswith("ok")


def test_index_and_broker_down_degrade_but_do_not_take_the_site_out(tmp_path, pg_url) -> None:
    settings = make_settings(
        tmp_path,
        database_url=pg_url,
        broker_url=f"redis://127.0.0.1:{_closed_port()}/0",
        celery_always_eager=False,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=f"http://127.0.0.1:{_closed_port()}",
    )
    status, body = _ready(settings)
    assert status == 200 and body["status"] == "degraded", body
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["index"].startswith("error")
