"""The admin page of the embedding model: runs listed in words, the suggestion, rollback, and
one change at a time (the job itself: tests/integration/test_adaptation_job.py)."""

from __future__ import annotations

import pytest

from matchmaker.adaptation import operations, registry, selfcheck
from matchmaker.models import Job, JobState, Role
from tests import factories
from tests.unit.test_web_auth import login


@pytest.fixture
def admin(app, settings):  # type: ignore[no-untyped-def]
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.ADMIN, email="boss@example.com")
        refused = Job(kind=operations.ADAPT_JOB, state=JobState.SUCCEEDED, total=30, done=30)
        refused.result = {
            "accepted": False,
            "reason": selfcheck.HELD_OUT_NOT_BETTER,
            "training_pairs": 180,
            "index_rebuilt": False,
            "self_check": {
                "held_out_before": {"mrr": 0.61},
                "held_out_after": {"mrr": 0.42},
            },
        }
        accepted = Job(kind=operations.ADAPT_JOB, state=JobState.SUCCEEDED, total=30, done=30)
        accepted.result = {
            "accepted": True,
            "reason": selfcheck.ACCEPTED,
            "training_pairs": 200,
            "index_rebuilt": True,
            "model_id": "adapted-20261205-010203-fp32-0a1b2c3d",
            "listings": 3,
        }
        s.add_all([refused, accepted])
        s.commit()
    return settings


def _page(client, lang: str) -> str:  # type: ignore[no-untyped-def]
    login(client, "boss@example.com")
    return client.get(f"/admin/model?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["模型适配记录", "未采用：留出检验没有变好", "通过：留出检验更好", "索引已重建"]),
        ("en", ["Adaptation runs", "Refused: not better", "Passed: better", "Index rebuilt"]),
    ],
)
def test_runs_are_listed_in_words(client, admin, lang, words) -> None:
    page = _page(client, lang)
    for word in words:
        assert word in page
    assert selfcheck.HELD_OUT_NOT_BETTER not in page  # a label, never the code
    assert "0.610 → 0.420" in page
    assert "adapted-20261205-010203-fp32-0a1b2c3d" in page
    assert 'class="table-scroll"' in page
    assert 'data-action="rollback"' not in page  # nothing to roll back to yet


def test_rollback_is_offered_after_a_switch(client, admin) -> None:
    adapted = registry.new_model_dir(admin)
    adapted.mkdir(parents=True)
    registry.switch(admin, str(adapted))
    page = _page(client, "en")
    assert 'data-action="rollback"' in page
    assert adapted.name in page  # the model in use


def test_one_change_at_a_time(client, admin, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        s.add(Job(kind=operations.ADAPT_JOB, state=JobState.RUNNING))
        s.commit()
    login(client, "boss@example.com")
    response = client.post("/admin/model/adapt?lang=en", follow_redirects=True)
    assert "already running" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(Job).count() == 3  # no new job


def test_only_admins_see_the_model_page(client, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        s.commit()
    login(client, "staff@example.com")
    assert client.get("/admin/model").status_code in (302, 403)
    assert client.post("/admin/model/rollback").status_code in (302, 403)
