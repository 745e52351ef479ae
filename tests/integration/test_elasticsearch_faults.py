"""Elasticsearch killed while submissions arrive: no submission is lost, the site keeps answering
(search falls back to the database, /readyz says "degraded"), and once the node is back the drift
repair brings the index level with the database, after which the drift command reports zero.

The node is the test's own (es_node.py), SIGKILLed and restarted on the same data; the shared
node of scripts/services.sh is not touched. Submissions go through the web forms (owner creates
and submits, staff publishes), as on the site. Celery runs eagerly: each publish tries to index
in the request, as a worker would try from the queue.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from indexer.backends import IndexUnavailable
from matchmaker import migrate, runtime
from matchmaker.models import Achievement, ListingState, Need, Role
from matchmaker.search import indexing
from matchmaker.search import query as search_query
from matchmaker.search.tasks import repair_index_drift
from tests import factories
from tests.conftest import IN_CI, make_settings
from tests.integration.es_node import ROOT, ElasticsearchNode, NodeUnavailable
from tests.integration.worker_helpers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DEGRADED_NOTICE = (
    "语义搜索暂时不可用"  # the search page's "showing results that contain your words"
)
MODELS = {"achievement": Achievement, "need": Need}


def achievement(title: str, summary: str, description: str, field: str) -> dict[str, str]:
    return {
        "title": title,
        "summary": summary,
        "description": description,
        "field": field,
        "trl": "6",
        "cooperation_modes": "transfer",
        "region": "江苏省",
        "visibility": "public",
    }


def need(title: str, description: str, field: str) -> dict[str, str]:
    return {
        "title": title,
        "description": description,
        "field": field,
        "cooperation_modes": "transfer",
        "region": "广东省",
        "visibility": "public",
    }


# (kind, form, search words found in the title or description)
BEFORE = [
    (
        "achievement",
        achievement(
            "锂离子电池过充保护与均衡管理电路",
            "防止电芯过充和热失控的电池管理芯片方案。",
            "针对储能电池组在充电末期电压过高导致鼓包、起火的问题，设计了过压检测与主动均衡电路，"
            "单体电压偏差控制在 10 mV 以内，已在电动两轮车电池包中小批量应用。",
            "new_energy",
        ),
        "电池 过充",
    ),
    (
        "achievement",
        achievement(
            "耐盐碱水稻新品种选育",
            "可在含盐 0.6% 的滩涂种植的水稻品种。",
            "通过分子标记辅助选择培育耐盐碱水稻品种，在含盐量 0.6% 的沿海滩涂亩产 450 公斤以上，"
            "已在江苏盐城示范种植三年。",
            "modern_agriculture",
        ),
        "盐碱 水稻",
    ),
    (
        "need",
        need(
            "注塑件表面缩痕与翘曲问题攻关",
            "我司生产家电外壳注塑件，厚壁部位经常出现缩痕和翘曲，返工率超过 8%，"
            "希望找到工艺或模具改进方案。",
            "smart_manufacturing",
        ),
        "注塑 缩痕",
    ),
]
DURING = [
    (
        "achievement",
        achievement(
            "基于机器视觉的带钢表面缺陷在线检测系统",
            "每分钟 300 米产线速度下识别带钢表面缺陷。",
            "采用线阵相机与深度学习模型在线检测冷轧带钢表面的划伤、辊印、夹杂等十余类缺陷，"
            "检出率 98%，已在两家钢厂投用。",
            "artificial_intelligence",
        ),
        "带钢 缺陷 检测",
    ),
    (
        "achievement",
        achievement(
            "光伏组件无水清洗机器人",
            "沿组件行走、无需用水的光伏板清洗机器人。",
            "机器人沿光伏阵列自动行走，用旋转毛刷和风机去除积灰，不用水，发电效率平均提升 15%，"
            "适合西北缺水地区的大型电站。",
            "new_energy",
        ),
        "光伏 清洗 机器人",
    ),
    (
        "achievement",
        achievement(
            "高导热氮化铝陶瓷基板制备技术",
            "可将功率模块结温降低 20℃ 的陶瓷基板。",
            "采用流延成型和低温共烧工艺制备氮化铝基板，热导率 180 W/(m·K)，成本比进口低 30%，"
            "已完成中试。",
            "new_materials",
        ),
        "氮化铝 陶瓷基板",
    ),
    (
        "need",
        need(
            "城市污水厂污泥减量与资源化利用",
            "我厂日处理污水 10 万吨，脱水污泥含水率 80%，外运处置费用高，"
            "希望引进污泥深度脱水和资源化利用技术。",
            "energy_saving",
        ),
        "污泥 减量",
    ),
    (
        "need",
        need(
            "冷链运输车厢温度远程监控",
            "公司有 200 辆冷藏车运输疫苗和生鲜，车厢温度记录靠人工抄表，"
            "希望有实时远程监控和超温报警的方案。",
            "electronics",
        ),
        "冷藏车 温度 监控",
    ),
]


@pytest.fixture(scope="module")
def es_node() -> Iterator[ElasticsearchNode]:
    try:
        node = ElasticsearchNode()
    except NodeUnavailable as exc:
        if IN_CI:
            pytest.fail(f"cannot set up an Elasticsearch node: {exc}")
        pytest.skip(f"cannot set up an Elasticsearch node: {exc}")
    try:
        node.start()  # a node that is there but does not start fails the test, CI or not
        yield node
    finally:
        node.destroy()


def _client(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _submit_and_publish(clients, kind: str, form: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    """Owner saves the form and submits it, staff publishes it: each request must succeed."""
    owner = clients["researcher" if kind == "achievement" else "enterprise"]
    created = owner.post(f"/my/{kind}/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    listing_id = int(created.headers["Location"].rstrip("/").split("/")[-2])  # /my/<kind>/<id>/edit
    submitted = owner.post(f"/my/{kind}/{listing_id}/submit")
    assert submitted.status_code == 302
    published = clients["staff"].post(f"/my/review/{kind}/{listing_id}/publish")
    assert published.status_code == 302
    return listing_id


def _search_page(client, kind: str, words: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/search", query_string={"q": words, "kind": kind})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _drift_command(settings) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """The operators' command, `matchmaker index-drift`, in a process of its own."""
    env = {
        **os.environ,
        "MATCHMAKER_INSTANCE_DIR": str(settings.instance_dir),
        "MATCHMAKER_DATABASE_URL": settings.database_url,
        "MATCHMAKER_SECRET_KEY": settings.secret_key,
        "MATCHMAKER_INDEX_BACKEND": settings.index_backend,
        "MATCHMAKER_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "MATCHMAKER_ELASTICSEARCH_INDEX_PREFIX": settings.elasticsearch_index_prefix,
        "MATCHMAKER_MODEL_CACHE_DIR": str(settings.model_cache_dir),
        "MATCHMAKER_LOAD_DEMO_DATA": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "index-drift"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_elasticsearch_killed_while_submissions_arrive(tmp_path, pg_url, es_node) -> None:
    from web import create_app, db

    settings = make_settings(
        tmp_path,
        pg_url,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=es_node.url,
        elasticsearch_index_prefix=f"mm-es-fault-{uuid.uuid4().hex[:8]}",
    )
    migrate.upgrade(pg_url)
    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        s = db.session()
        emails = {
            "researcher": factories.user(s, Role.RESEARCHER).email,
            "enterprise": factories.user(s, Role.ENTERPRISE).email,
            "staff": factories.user(s, Role.STAFF).email,
            "admin": factories.user(s, Role.ADMIN).email,
        }
        s.commit()
    clients = {role: _client(app, email) for role, email in emails.items()}
    visitor = app.test_client()
    engine = runtime.search_engine()
    try:
        # --- Elasticsearch up: published listings are found through it ---------------------
        before = [
            (kind, _submit_and_publish(clients, kind, form), words) for kind, form, words in BEFORE
        ]
        assert engine.index.count() == len(BEFORE)
        for kind, listing_id, words in before:
            page = _search_page(visitor, kind, words)
            assert DEGRADED_NOTICE not in page
            assert f'data-id="{kind}:{listing_id}"' in page

        # --- the node is killed while submissions arrive --------------------------------------
        es_node.kill()
        with pytest.raises(IndexUnavailable):
            engine.index.count()
        during = [
            (kind, _submit_and_publish(clients, kind, form), words) for kind, form, words in DURING
        ]

        with runtime.database().session() as s:  # 0 lost: every submission saved and published
            for kind, model in MODELS.items():
                stored = dict(s.execute(sa.select(model.title, model.state)).all())
                expected = {f["title"] for k, f, _w in BEFORE + DURING if k == kind}
                assert stored == dict.fromkeys(expected, ListingState.PUBLISHED)

        for path in ("/", "/achievements", "/needs"):
            assert visitor.get(path).status_code == 200, path
        for kind, listing_id, words in during:
            detail = visitor.get(f"/{kind}s/{listing_id}")
            assert detail.status_code == 200
            # search falls back to the database and says so
            page = _search_page(visitor, kind, words)
            assert DEGRADED_NOTICE in page
            assert f'data-id="{kind}:{listing_id}"' in page
        assert clients["researcher"].get("/dashboard").status_code == 200
        assert clients["staff"].get("/my/review").status_code == 200
        assert clients["admin"].get("/admin/index").status_code == 200
        ready = visitor.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        assert ready.get_json()["status"] == "degraded"
        assert ready.get_json()["checks"]["index"].startswith("error")
        assert ready.get_json()["checks"]["database"] == "ok"

        # --- restarted on the same data: what was indexed survived, the rest is drift ---------
        es_node.start()
        # the same process notices by itself (a load balancer probes again and again)
        assert wait_for(lambda: visitor.get("/readyz").get_json()["status"] == "ok", timeout=15)
        ready = visitor.get("/readyz").get_json()
        assert ready["checks"]["index"] == f"ok ({len(BEFORE)} documents)"  # survived SIGKILL
        missing = sorted(f"{kind}:{listing_id}" for kind, listing_id, _w in during)
        with runtime.database().session() as s:
            report = indexing.drift(s, engine)
        assert (sorted(report.missing), report.stale, report.orphaned) == (missing, [], [])
        for kind, listing_id, words in during:
            page = _search_page(visitor, kind, words)
            assert DEGRADED_NOTICE not in page  # Elasticsearch answers again ...
            assert f'data-id="{kind}:{listing_id}"' not in page  # ... and has not caught up yet

        # --- catch-up: the task beat runs every 15 minutes, then the operators' drift command --
        assert repair_index_drift.delay().get() == len(DURING)
        drift = _drift_command(settings)
        assert drift.returncode == 0, drift.stdout + drift.stderr[-3000:]
        assert drift.stdout.strip().splitlines()[-1] == "missing=0 stale=0 orphaned=0"
        assert engine.index.count() == len(BEFORE) + len(DURING)
        for kind, listing_id, words in before + during:
            page = _search_page(visitor, kind, words)
            assert DEGRADED_NOTICE not in page
            assert f'data-id="{kind}:{listing_id}"' in page
            with runtime.database().session() as s:
                outcome = search_query.search(s, engine, None, kind, words)
                assert not outcome.degraded
                assert listing_id in [r.listing.id for r in outcome.results]
    finally:
        runtime.database().dispose()
