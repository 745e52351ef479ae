"""The servers `.ci/run` starts really answer: PostgreSQL, Redis, Elasticsearch."""

from __future__ import annotations

import uuid

import pytest
import redis
import sqlalchemy as sa
from elasticsearch import Elasticsearch

pytestmark = pytest.mark.integration


def test_postgresql_answers(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar_one()
        encoding = conn.execute(sa.text("SHOW server_encoding")).scalar_one()
    engine.dispose()
    assert int(version.split(".")[0]) >= 13
    assert encoding == "UTF8"


def test_redis_answers(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    key = f"mm-test-{uuid.uuid4().hex}"
    client.set(key, "科协", ex=30)
    assert client.get(key).decode() == "科协"
    client.delete(key)


def test_elasticsearch_answers_with_knn_and_bm25(es_url: str) -> None:
    es = Elasticsearch(es_url, request_timeout=30)
    # GET / is not served by this distribution; cluster health is the readiness check
    assert es.cluster.health(wait_for_status="yellow", timeout="30s")["status"] in (
        "green",
        "yellow",
    )
    index = f"mm-smoke-{uuid.uuid4().hex[:8]}"
    es.indices.create(
        index=index,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={
            "properties": {
                "tokens": {"type": "text", "analyzer": "whitespace"},
                "vector": {
                    "type": "dense_vector",
                    "dims": 3,
                    "index": True,
                    "similarity": "cosine",
                },
            }
        },
    )
    try:
        es.index(index=index, id="a", document={"tokens": "氮化铝 陶瓷 基板", "vector": [1, 0, 0]})
        es.index(index=index, id="b", document={"tokens": "水稻 育种", "vector": [0, 1, 0]})
        es.indices.refresh(index=index)
        knn = es.search(
            index=index,
            knn={"field": "vector", "query_vector": [0.9, 0.1, 0], "k": 1, "num_candidates": 10},
        )
        assert knn["hits"]["hits"][0]["_id"] == "a"
        bm25 = es.search(index=index, query={"match": {"tokens": "水稻"}})
        assert [h["_id"] for h in bm25["hits"]["hits"]] == ["b"]
    finally:
        es.indices.delete(index=index)
