"""Adapting the embedding model: pair building, batches, the schedule, the self-check's rule,
the model pointer and the suggestion (no model loaded here; tests/integration/
test_adaptation_job.py trains the real one)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from indexer.adaptation import (
    Pair,
    Recipe,
    batches,
    learning_rate_factor,
    own_passage_retrieval,
    pairs_from_document,
    split_held_out,
    split_sentences,
)
from matchmaker.adaptation import operations, pipeline, registry, selfcheck
from matchmaker.adaptation.selfcheck import Retrieval
from matchmaker.models import Job, JobState, Role
from tests import factories


def test_a_title_asks_for_the_body_and_each_sentence_for_the_rest() -> None:
    pairs = pairs_from_document(
        "need:1",
        "耐盐碱水稻",
        ["在盐碱地上亩产超过500公斤。已在三个省示范种植.抗倒伏能力强,适合机械收割。"],
    )
    assert pairs[0] == Pair(
        "need:1",
        "耐盐碱水稻",
        "在盐碱地上亩产超过500公斤。\n已在三个省示范种植.\n抗倒伏能力强,适合机械收割。",
    )
    sentence, rest = pairs[1].query, pairs[1].passage
    assert sentence == "在盐碱地上亩产超过500公斤。"
    assert rest.startswith("耐盐碱水稻\n") and sentence not in rest
    # the half-width full stop inside Chinese ends a sentence too
    assert [p.query for p in pairs[2:]] == ["已在三个省示范种植.", "抗倒伏能力强,适合机械收割。"]
    assert {p.group for p in pairs} == {"need:1"}


def test_short_fragments_are_no_query_and_a_decimal_point_no_sentence_end() -> None:
    assert split_sentences("精度达到0.05毫米. We test it. and more") == [
        "精度达到0.05毫米.",
        "We test it. and more",
    ]
    pairs = pairs_from_document(
        "a:1", "", ["短句。这是一个足够长的句子,描述了方法。另一个足够长的句子说明效果。"]
    )
    assert [p.query for p in pairs] == [
        "这是一个足够长的句子,描述了方法。",
        "另一个足够长的句子说明效果。",
    ]
    assert pairs[0].passage == "短句。\n另一个足够长的句子说明效果。"


def _pairs(documents: int, per_document: int = 3) -> list[Pair]:
    return [
        Pair(f"d{d}", f"q{d}-{i}", f"p{d}-{i}")
        for d in range(documents)
        for i in range(per_document)
    ]


def test_held_out_documents_are_held_out_whole() -> None:
    pairs = _pairs(100)
    training, held = split_held_out(pairs, share=0.1, seed=1)
    held_groups = {p.group for p in held}
    assert len(held) == len(held_groups) == 20  # at least 20, one pair each
    assert not held_groups & {p.group for p in training}
    assert len(training) == 80 * 3
    assert split_held_out(pairs, share=0.1, seed=1) == (training, held)
    assert split_held_out(pairs, share=0.1, seed=2)[1] != held


def test_batches_hold_distinct_documents_and_repeat_for_a_seed() -> None:
    pairs = _pairs(40)
    recipe = Recipe(steps=5, batch_size=16, seed=7)
    plan = batches(pairs, recipe)
    assert len(plan) == 5
    for batch in plan:
        assert len(batch) == 16
        assert len({p.group for p in batch}) == 16
    assert batches(pairs, recipe) == plan
    assert batches(pairs, Recipe(steps=5, batch_size=16, seed=8)) != plan
    # fewer documents than the batch size: the batch shrinks to the documents there are
    assert {len(b) for b in batches(_pairs(10), recipe)} == {10}


def test_warm_up_then_linear_decay() -> None:
    factors = [learning_rate_factor(step, 24, 0.1) for step in range(24)]
    assert factors[:3] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert factors[3] == pytest.approx(21 / 21)
    assert factors[-1] == pytest.approx(1 / 21)
    assert all(a >= b for a, b in itertools.pairwise(factors[2:]))


def test_own_passage_retrieval_ranks_each_query_against_all_passages() -> None:
    vectors = {"q0": [1, 0], "q1": [1, 0.1], "p0": [1, 0.2], "p1": [0, 1]}

    def encode(texts: list[str]) -> np.ndarray:
        rows = np.array([vectors[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    found = own_passage_retrieval(encode, ["q0", "q1"], ["p0", "p1"], [{0}, {1}])
    assert found.mrr == pytest.approx((1 + 1 / 2) / 2)
    assert (found.recall_at_1, found.recall_at_10, found.count) == (0.5, 1.0, 2)


def _r(mrr: float, recall_at_10: float = 0.9) -> Retrieval:
    return Retrieval(mrr, mrr, recall_at_10, 50)


@pytest.mark.parametrize(
    ("held_before", "held_after", "labelled_before", "labelled_after", "reason"),
    [
        (_r(0.60), _r(0.70), _r(0.80), _r(0.80), selfcheck.ACCEPTED),
        (_r(0.60), _r(0.70), _r(0.80), _r(0.79), selfcheck.ACCEPTED),  # within tolerance
        (_r(0.60), _r(0.70), _r(0.80), _r(0.70), selfcheck.LABELLED_WORSE),
        (_r(0.60), _r(0.602), _r(0.80), _r(0.90), selfcheck.HELD_OUT_NOT_BETTER),
        (_r(0.60), _r(0.50), _r(0.80), _r(0.80), selfcheck.HELD_OUT_NOT_BETTER),
        (_r(0.60, 0.9), _r(0.70, 0.8), _r(0.8), _r(0.8), selfcheck.HELD_OUT_NOT_BETTER),
        (_r(1.0, 1.0), _r(1.0, 1.0), _r(1.0), _r(1.0), selfcheck.HELD_OUT_NOT_BETTER),
    ],
)
def test_the_decision_rule(held_before, held_after, labelled_before, labelled_after, reason):
    verdict = selfcheck.decide(held_before, held_after, labelled_before, labelled_after)
    assert verdict.reason == reason
    assert verdict.accepted is (reason == selfcheck.ACCEPTED)


def test_the_labelled_check_reads_the_demo_pairs() -> None:
    needs, achievements, right = selfcheck.demo_texts()
    assert len(needs) == len(right) >= 20
    assert len(achievements) >= 50
    assert all(r and max(r) < len(achievements) for r in right)


def test_too_few_listings_trains_nothing(tmp_path) -> None:
    documents = [
        pipeline.Document(f"d{i}", f"标题{i}", ["一句足够长的描述文字。"]) for i in range(5)
    ]
    outcome = pipeline.adapt(
        documents,
        source=tmp_path / "nowhere",
        target=tmp_path / "target",
        prefix="query: ",
        current=lambda texts: np.zeros((len(texts), 2)),
        encoder_for=lambda path: lambda texts: np.zeros((len(texts), 2)),
        recipe=Recipe(),
    )
    assert not outcome.accepted
    assert outcome.reason == selfcheck.TOO_FEW_LISTINGS
    assert not (tmp_path / "target").exists()


def test_the_pointer_switches_and_rolls_back(settings, tmp_path) -> None:
    assert registry.active(settings) == registry.Active(settings.embedding_model)
    first = registry.new_model_dir(settings)
    first.mkdir(parents=True)
    assert registry.switch(settings, str(first)) == registry.Active(
        str(first), settings.embedding_model
    )
    assert registry.active(settings).model == str(first)
    second = registry.new_model_dir(settings)
    assert second != first
    second.mkdir()
    registry.switch(settings, str(second))
    assert registry.active(settings) == registry.Active(str(second), str(first))
    # rolling back is switching to the previous one, which then has the other as its previous
    registry.switch(settings, str(first))
    assert registry.active(settings) == registry.Active(str(first), str(second))
    # an adapted model removed by hand falls back to the configured one
    import shutil

    shutil.rmtree(first)
    registry._cache.clear()
    assert registry.active(settings).model == settings.embedding_model


def test_the_runtime_engine_follows_the_pointer(settings, database) -> None:
    from matchmaker import runtime

    assert runtime.search_engine().model_name == settings.embedding_model
    adapted = registry.new_model_dir(settings)
    adapted.mkdir(parents=True)
    registry.switch(settings, str(adapted))
    engine = runtime.search_engine()
    assert engine.model_name == str(adapted)
    assert runtime.search_engine() is engine


def _adapt_job(session, listings: int, accepted: bool) -> Job:
    job = Job(kind=operations.ADAPT_JOB, state=JobState.SUCCEEDED)
    job.result = {"listings": listings, "accepted": accepted}
    session.add(job)
    session.flush()
    return job


def test_adapting_is_suggested_when_listings_grew(session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    for i in range(pipeline.MIN_DOCUMENTS - 1):
        factories.achievement(session, owner, title=f"成果{i}")
    session.flush()
    assert operations.suggestion(session) is None  # too few to learn from
    factories.achievement(session, owner, title="再一项成果")
    session.flush()
    assert operations.suggestion(session) == operations.Suggestion(40, None)
    _adapt_job(session, 40, accepted=True)
    _adapt_job(session, 10, accepted=False)  # a refused run does not count
    assert operations.suggestion(session) is None
    for i in range(9):
        factories.achievement(session, owner, title=f"新成果{i}")
    session.flush()
    assert operations.suggestion(session) is None  # 49 < 40 × 1.25
    factories.achievement(session, owner, title="第五十项成果")
    session.flush()
    assert operations.suggestion(session) == operations.Suggestion(50, 40)


def test_only_one_change_runs_at_a_time(session) -> None:
    assert not operations.is_running(session)
    session.add(Job(kind=operations.ROLLBACK_JOB, state=JobState.RUNNING))
    session.flush()
    assert operations.is_running(session)
    assert [j.kind for j in operations.runs(session)] == [operations.ROLLBACK_JOB]
