"""The same form or API request sent several times at once files one listing, on SQLite and on
PostgreSQL: filing takes a per-person lock, so the later copies find the first one saved."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.accounts import api_tokens
from matchmaker.models import Need, Role
from tests import factories
from tests.conftest import make_settings
from tests.unit.test_api import NEED_BODY
from tests.unit.test_submissions_web import NEED_FORM

pytestmark = [pytest.mark.integration]
COPIES = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):  # type: ignore[no-untyped-def]
    from web import create_app

    settings = make_settings(tmp_path)
    if request.param == "postgresql":
        settings = replace(settings, database_url=request.getfixturevalue("pg_url"))
    migrate.upgrade(settings.database_url)
    application = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    yield application
    runtime.database().dispose()


def _at_once(actions) -> list:  # type: ignore[no-untyped-def]
    start = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i: int) -> None:
        start.wait()
        results[i] = actions[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _needs(title: str) -> int:
    with runtime.database().session() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(Need).where(Need.title == title))


def test_identical_form_posts_at_once_save_one_need(app) -> None:
    with runtime.database().transaction() as s:
        factories.user(s, Role.ENTERPRISE, email="ent@double.cn")
    clients = []
    for _ in range(COPIES):
        client = app.test_client()
        client.post("/login", data={"email": "ent@double.cn", "password": factories.PASSWORD})
        clients.append(client)
    responses = _at_once([lambda c=c: c.post("/my/need/new", data=NEED_FORM) for c in clients])
    assert all(r.status_code == 302 for r in responses)
    assert _needs(NEED_FORM["title"]) == 1


def test_identical_api_requests_at_once_file_one_need(app) -> None:
    with runtime.database().transaction() as s:
        secret = api_tokens.create(s, factories.user(s, Role.ENTERPRISE), "erp").secret
    headers = {"Authorization": f"Bearer {secret}"}
    responses = _at_once(
        [
            lambda: app.test_client().post("/api/v1/needs", json=NEED_BODY, headers=headers)
            for _ in range(COPIES)
        ]
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * (COPIES - 1)
    assert _needs(NEED_BODY["title"]) == 1
