"""A first start: the site answers while the worker builds the index, search says so and
answers from the database meanwhile, and the demo's proposals follow the build."""

from __future__ import annotations

from matchmaker import runtime
from matchmaker.core import jobs
from matchmaker.models import Job, JobState, ListingState, Visibility
from matchmaker.search import query as search_query
from matchmaker.search import readiness, tasks
from tests import factories, fakes


def _published(session, title: str):  # type: ignore[no-untyped-def]
    return factories.achievement(
        session, title=title, state=ListingState.PUBLISHED, visibility=Visibility.PUBLIC
    )


def test_search_answers_from_the_database_while_the_first_index_is_built(session, tmp_path) -> None:
    listing = _published(session, "钠离子电池正极材料")
    engine = fakes.engine(tmp_path / "index.sqlite")
    job = readiness.start_rebuild(session)
    session.commit()

    outcome = search_query.search(session, engine, None, "achievement", "钠离子电池")
    assert outcome.building == readiness.IndexBuild(0, 0) and outcome.degraded
    assert [r.listing.id for r in outcome.results] == [listing.id]

    fakes.index_all(session, engine)  # the index has documents: readers use it even mid-build
    assert search_query.search(session, engine, None, "achievement", "钠离子电池").building is None
    engine.index.delete([f"achievement:{listing.id}"])
    job.state = JobState.SUCCEEDED  # no unfinished build: an empty index is simply empty
    session.commit()
    assert search_query.search(session, engine, None, "achievement", "钠离子电池").building is None


def test_the_search_page_says_the_index_is_still_being_built(app, client, tmp_path) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        listing_id = _published(s, "钠离子电池正极材料").id
        job = readiness.start_rebuild(s)
        job.total, job.done = 40, 10
        s.commit()
    engine = fakes.engine(tmp_path / "index.sqlite")
    original = runtime.search_engine
    runtime.search_engine = lambda: engine  # type: ignore[assignment]
    try:
        zh = client.get("/search?q=钠离子电池&lang=zh").get_data(as_text=True)
        en = client.get("/search?q=钠离子电池&lang=en").get_data(as_text=True)
    finally:
        runtime.search_engine = original  # type: ignore[assignment]
    assert 'data-testid="index-building"' in zh and "10" in zh and "25%" in zh
    assert f'data-id="achievement:{listing_id}"' in zh  # found in the database meanwhile
    assert "检索索引仍在建立中" in zh and "still being built" in en


def test_a_first_start_build_then_proposes_the_demo_matches(session, tmp_path, monkeypatch) -> None:
    _published(session, "钠离子电池正极材料")
    job = readiness.start_rebuild(session, then_match_all=True)
    session.commit()
    monkeypatch.setattr(runtime, "search_engine", lambda: fakes.engine(tmp_path / "index.db"))
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: sent.append((name, args)))
    monkeypatch.setattr(tasks, "enqueue", lambda name, *args: sent.append((name, args)))

    tasks.rebuild_index(job.id)

    session.expire_all()
    assert session.get(Job, job.id).state == JobState.SUCCEEDED
    follow_up = session.query(Job).filter_by(kind="rematch_all").one()
    assert sent == [("matchmaker.rematch_all", (follow_up.id,))]
    assert [j.kind for j in readiness.setup_in_progress(session)] == ["rematch_all"]


def test_a_rematch_then_proposes_the_experts_again(session, tmp_path, monkeypatch) -> None:
    from matchmaker.matching import tasks as matching_tasks

    _published(session, "钠离子电池正极材料")
    job = jobs.create(session, "rematch_all")
    session.commit()
    monkeypatch.setattr(runtime, "search_engine", lambda: fakes.engine(tmp_path / "index.db"))
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(matching_tasks, "enqueue", lambda name, *args: sent.append((name, args)))

    matching_tasks.rematch_all(job.id)

    session.expire_all()
    assert session.get(Job, job.id).state == JobState.SUCCEEDED
    assert sent == [("matchmaker.propose_all_experts", ())]


def test_an_admin_rebuild_is_not_followed_by_a_rematch(session, tmp_path, monkeypatch) -> None:
    job = readiness.start_rebuild(session)
    session.commit()
    monkeypatch.setattr(runtime, "search_engine", lambda: fakes.engine(tmp_path / "index.db"))
    monkeypatch.setattr(jobs, "enqueue", lambda *args: None)
    tasks.rebuild_index(job.id)
    assert session.query(Job).filter_by(kind="rematch_all").count() == 0


def test_readiness_reports_background_setup(app, client) -> None:
    from web import db

    assert client.get("/readyz").get_json()["checks"]["background"] == "idle"
    with app.app_context():
        s = db.session()
        job = readiness.start_rebuild(s)
        job.total = 109
        s.commit()
    assert (
        client.get("/readyz").get_json()["checks"]["background"] == "running: rebuild_index 0/109"
    )
