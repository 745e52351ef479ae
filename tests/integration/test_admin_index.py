"""Admins see the index against the database and rebuild it as a job with progress."""

from __future__ import annotations

import pytest

from matchmaker.models import Role
from tests import factories
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def admin_client(tmp_path, migrated_sqlite_template):
    import shutil

    from web import create_app, db

    (tmp_path / "instance").mkdir()
    shutil.copy(migrated_sqlite_template, tmp_path / "instance" / "test.sqlite")
    app = create_app(
        make_settings(tmp_path / "instance", search_enabled=True),
        TESTING=True,
        WTF_CSRF_ENABLED=False,
    )
    with app.app_context():
        s = db.session()
        factories.user(s, Role.ADMIN, email="admin@example.com")
        owner = factories.user(s, Role.RESEARCHER)
        for title in ("耐盐碱水稻新品种", "高导热氮化铝陶瓷基板", "带钢表面缺陷在线检测"):
            factories.achievement(s, owner, title=title)
        s.commit()
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": factories.PASSWORD})
    return client


def test_rebuild_from_the_admin_page_reports_progress_and_clears_drift(admin_client) -> None:
    page = admin_client.get("/admin/index").get_data(as_text=True)
    assert "3 个缺失" in page or "3 missing" in page
    assert admin_client.post("/admin/index/rebuild").status_code == 302
    status = admin_client.get("/admin/jobs/1.json").get_json()
    assert status["state"] == "succeeded"
    assert (status["done"], status["total"], status["percent"]) == (3, 3, 100)
    assert status["result"] == {"indexed": 3}
    page = admin_client.get("/admin/index").get_data(as_text=True)
    assert "0 个缺失" in page or "0 missing" in page
    assert 'data-testid="indexed">3<' in page


def test_only_admins_see_the_index_page(admin_client) -> None:
    admin_client.post("/logout")
    assert admin_client.get("/admin/index").status_code == 302
    assert admin_client.get("/admin/jobs/1.json").status_code == 302


def test_rematch_all_from_the_admin_page_proposes_matches(admin_client) -> None:
    from matchmaker import runtime
    from matchmaker.db import count_rows
    from matchmaker.models import Job, Match

    admin_client.post("/admin/index/rebuild")
    with runtime.database().transaction() as s:
        factories.need(
            s, title="耐盐碱水稻种植需求", description="沿海滩涂盐碱地想种水稻，需要耐盐碱品种。"
        )
    admin_client.post("/admin/rematch")
    with runtime.database().session() as s:
        job = s.query(Job).filter_by(kind="rematch_all").one()
        assert job.state == "succeeded" and job.result["created"] >= 1
        assert count_rows(s, Match) >= 1
