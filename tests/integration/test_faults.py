"""Faults with the real services: the site outlives a PostgreSQL restart without one of its own.

The restart uses scripts/services.sh on the shared cluster, so this runs in the (sequential)
suite, never beside another suite using the same server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from matchmaker import migrate, runtime
from tests import factories
from tests.conftest import IN_CI, make_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"


def _services(*args: str) -> None:
    result = subprocess.run(
        ["bash", str(SERVICES), *args], capture_output=True, text=True, timeout=180
    )
    if result.returncode != 0:
        message = f"services.sh {' '.join(args)} failed: {result.stderr[-2000:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def test_site_recovers_after_a_postgresql_restart(tmp_path, pg_url) -> None:
    from web import create_app

    migrate.upgrade(pg_url)
    app = create_app(make_settings(tmp_path, pg_url), TESTING=True)
    with runtime.database().transaction() as s:
        factories.need(s, title="耐高温密封材料需求")
    client = app.test_client()
    try:
        assert "耐高温密封材料需求" in client.get("/needs").get_data(as_text=True)
        _services("stop", "pg")
        try:
            down = client.get("/readyz")
            assert down.status_code == 503  # says so instead of hanging or crashing
            assert client.get("/healthz").status_code == 200  # the process itself is alive
        finally:
            _services("start", "pg")
        # the same app object and pool: stale connections are noticed and replaced
        page = client.get("/needs")
        assert page.status_code == 200 and "耐高温密封材料需求" in page.get_data(as_text=True)
        assert client.get("/readyz").get_json()["checks"]["database"] == "ok"
    finally:
        runtime.database().dispose()
