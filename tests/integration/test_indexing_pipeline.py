"""Publishing a listing makes it findable by meaning; the database stays the source of truth.

Runs the real embedding model. Embedded default: SQLite + LocalIndex; production: PostgreSQL +
Elasticsearch. Celery runs tasks eagerly here (the broker round trip has its own tests).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from matchmaker import migrate, runtime
from matchmaker.db import count_rows
from matchmaker.listings import operations as listings
from matchmaker.models import Achievement, ListingState, Role
from matchmaker.search import indexing
from matchmaker.search import query as search_query
from tests import factories
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BATTERY = dict(
    title="锂离子电池过充保护与均衡管理电路",
    summary="防止电芯过充和热失控的电池管理芯片方案。",
    description="针对储能电池组在充电末期电压过高导致鼓包、起火的问题，设计了过压检测与主动均衡电路，"
    "单体电压偏差控制在 10 mV 以内，已在电动两轮车电池包中小批量应用。",
    field="new_energy",
    trl=7,
)
PARAPHRASE = "我们的电动车电池充电时经常被充得过满，电池鼓包甚至起火，想找能解决这个问题的办法"


def publish_achievement(session, **fields) -> Achievement:
    researcher = factories.user(session, Role.RESEARCHER)
    staff = factories.user(session, Role.STAFF)
    item = listings.create(session, researcher, Achievement(**fields))
    listings.transition(
        session,
        researcher,
        item,
        ListingState.SUBMITTED,
        settings=runtime.settings(),
        engine=runtime.search_engine(),
    )
    listings.transition(
        session,
        staff,
        item,
        ListingState.PUBLISHED,
        settings=runtime.settings(),
        engine=runtime.search_engine(),
    )
    return item


def add_distractors(session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    for title, field in [
        ("耐盐碱水稻新品种选育", "modern_agriculture"),
        ("基于机器视觉的带钢表面缺陷在线检测", "smart_manufacturing"),
        ("高导热氮化铝陶瓷基板制备技术", "new_materials"),
        ("光伏组件清洗机器人", "new_energy"),
    ]:
        factories.achievement(session, owner, title=title, field=field, description=title)


def run_flow(settings) -> None:
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    engine = runtime.search_engine()
    with db.transaction() as session:
        add_distractors(session)
    with db.session() as session:
        indexing.rebuild(session, engine)
    with db.transaction() as session:
        item_id = publish_achievement(session, **BATTERY).id
    # the commit queued the indexing task, which ran (eagerly) after it
    assert f"achievement:{item_id}" in engine.index.fingerprints()
    with db.session() as session:
        outcome = search_query.search(session, engine, None, "achievement", PARAPHRASE)
        assert not outcome.degraded
        assert outcome.results[0].listing.id == item_id
        assert indexing.drift(session, engine).total == 0
    with db.transaction() as session:
        staff = factories.user(session, Role.STAFF)
        listings.transition(
            session,
            staff,
            session.get(Achievement, item_id),
            ListingState.ARCHIVED,
            settings=runtime.settings(),
            engine=runtime.search_engine(),
        )
    assert f"achievement:{item_id}" not in engine.index.fingerprints()


def test_embedded_default_sqlite_and_local_index(tmp_path) -> None:
    run_flow(make_settings(tmp_path, search_enabled=True))


def test_postgresql_and_elasticsearch(tmp_path, pg_url, es_url) -> None:
    prefix = f"mm-pipeline-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        tmp_path,
        pg_url,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=prefix,
    )
    try:
        run_flow(settings)
    finally:
        runtime.search_engine().index.drop()


def test_saving_works_while_elasticsearch_is_down_and_catches_up(tmp_path, pg_url, es_url) -> None:
    prefix = f"mm-outage-{uuid.uuid4().hex[:8]}"
    up = make_settings(
        tmp_path,
        pg_url,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=prefix,
    )
    # nothing listens on port 9 (discard): the same as a stopped server
    down = replace(up, elasticsearch_url="http://127.0.0.1:9")
    migrate.upgrade(pg_url)
    db = runtime.configure(down)
    with db.transaction() as session:
        item_id = publish_achievement(session, **BATTERY).id
    with db.session() as session:
        assert count_rows(session, Achievement) == 1  # saved despite the index being down
        degraded = search_query.search(
            session, runtime.search_engine(), None, "achievement", "电池 过充"
        )
        assert degraded.degraded
        assert [r.listing.id for r in degraded.results] == [item_id]
    db = runtime.configure(up)
    engine = runtime.search_engine()
    try:
        with db.session() as session:
            report = indexing.drift(session, engine)
            assert report.missing == [f"achievement:{item_id}"]
            indexing.repair(session, engine, report)
            assert indexing.drift(session, engine).total == 0
    finally:
        engine.index.drop()


def local_search(tmp_path):  # type: ignore[no-untyped-def]
    """A migrated SQLite database and the local index with the real model."""
    settings = make_settings(tmp_path, search_enabled=True)
    migrate.upgrade(settings.database_url)
    return settings, runtime.configure(settings), runtime.search_engine()


def test_search_facets_filter_by_maturity_and_mode(tmp_path) -> None:
    _settings, db, engine = local_search(tmp_path)
    with db.transaction() as session:
        owner = factories.user(session, Role.RESEARCHER)
        lab = factories.achievement(
            session,
            owner,
            title="电池过充保护实验室方案",
            trl=3,
            cooperation_modes=["joint_development"],
        )
        product = factories.achievement(
            session, owner, title="电池过充保护芯片量产方案", trl=8, cooperation_modes=["license"]
        )
        ids = (lab.id, product.id)
    with db.session() as session:
        indexing.rebuild(session, engine)
        mature = search_query.search(
            session, engine, None, "achievement", "电池过充保护", facets={"trl": list(range(6, 10))}
        )
        assert [r.listing.id for r in mature.results] == [ids[1]]
        joint = search_query.search(
            session,
            engine,
            None,
            "achievement",
            "电池过充保护",
            facets={"modes": "joint_development"},
        )
        assert [r.listing.id for r in joint.results] == [ids[0]]


def test_search_shows_confident_results_and_folds_the_weak_tail(tmp_path) -> None:
    """The page groups by the calibrated relevance (the same as a proposal's), not by rank:
    an unrelated listing that happens to be in the index is folded, not listed as a result."""
    from web import create_app

    settings, db, engine = local_search(tmp_path)
    with db.transaction() as session:
        owner = factories.user(session, Role.RESEARCHER)
        related = factories.achievement(
            session,
            owner,
            title="高导热氮化铝陶瓷基板制备技术",
            description="流延成型制备氮化铝陶瓷基板，热导率 180 W/(m·K)，用于功率模块散热。",
        )
        unrelated = factories.achievement(
            session,
            owner,
            title="耐盐碱粳稻新品种选育",
            description="在含盐 0.6% 的滩涂地亩产 550 公斤的水稻品种。",
        )
        ids = (related.id, unrelated.id)
    with db.session() as session:
        indexing.rebuild(session, engine)
        outcome = search_query.search(
            session, engine, None, "achievement", "氮化铝陶瓷基板 功率模块散热"
        )
        assert [r.listing.id for r in outcome.confident] == [ids[0]]
        assert ids[1] not in [r.listing.id for r in outcome.confident]
        assert all(r.band not in ("high", "medium") for r in outcome.weak)

    app = create_app(settings)
    page = (
        app.test_client()
        .get("/search?kind=achievement&q=氮化铝陶瓷基板 功率模块散热")
        .get_data(as_text=True)
    )
    confident = page.split('data-testid="confident-results"')[1].split("</ol>")[0]
    assert f'data-id="achievement:{ids[0]}"' in confident
    assert f'data-id="achievement:{ids[1]}"' not in confident
    if '"weak-results"' in page:
        assert f'data-id="achievement:{ids[1]}"' in page.split('data-testid="weak-results"')[1]
    assert "1 条相关结果" in page
