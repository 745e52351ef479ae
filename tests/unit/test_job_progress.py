"""Job states in words, and a rebuild whose progress moves while it runs."""

from __future__ import annotations

import pytest

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.models import Job, JobState, Role
from matchmaker.search import indexing
from tests import factories, fakes


def test_rebuild_reports_progress_after_each_batch(session, tmp_path, monkeypatch) -> None:
    from matchmaker.search import tasks

    for n in range(5):
        factories.achievement(session, title=f"成果 {n}")
    job = jobs.create(session, "rebuild_index")
    session.commit()
    monkeypatch.setattr(indexing, "BATCH", 2)
    monkeypatch.setattr(runtime, "search_engine", lambda: fakes.engine(tmp_path / "index.db"))
    seen: list[tuple[int, int]] = []
    advance = jobs.advance

    def spy(tracked: Job, done: int) -> None:
        advance(tracked, done)
        seen.append((tracked.done, tracked.total))

    monkeypatch.setattr(jobs, "advance", spy)
    tasks.rebuild_index(job.id)
    assert seen == [(2, 5), (4, 5), (5, 5)]
    session.expire_all()
    assert session.get(Job, job.id).state == JobState.SUCCEEDED


@pytest.fixture
def admin_with_jobs(app):
    from web import db

    with app.app_context():
        s = db.session()
        admin = factories.user(s, Role.ADMIN, email="root@example.com")
        done = jobs.create(s, "rebuild_index", actor=admin)
        jobs.succeed(done, indexed=0)
        running = jobs.create(s, "rematch_all", actor=admin, total=10)
        jobs.start(running)
        s.commit()
        return {"email": admin.email, "done": done.id, "running": running.id}


def test_job_states_are_shown_in_words(client, admin_with_jobs) -> None:
    from tests.unit.test_web_auth import login

    login(client, admin_with_jobs["email"])
    page = client.get("/admin/index?lang=zh").get_data(as_text=True)
    assert "已完成" in page and "进行中" in page
    assert ">succeeded<" not in page and ">running<" not in page
    status = client.get(f"/admin/jobs/{admin_with_jobs['running']}.json?lang=zh").get_json()
    assert status["state"] == "running" and status["state_label"] == "进行中"
    english = client.get(f"/admin/jobs/{admin_with_jobs['done']}.json?lang=en").get_json()
    assert english["state_label"] == "Completed"


def test_every_job_state_has_a_label() -> None:
    from web.messages import JOB_STATE_LABELS

    assert set(JOB_STATE_LABELS) == {state.value for state in JobState}
