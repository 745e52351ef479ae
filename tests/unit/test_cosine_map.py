"""An adapted model's cosines mapped onto the packaged model's scale (issue 23 ↔ 18): the map is
fitted without labels on the pairs a matcher looks at, composed across adaptations, stored
beside the model and applied wherever a pair's probability is computed for that model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matchmaker.adaptation import cosine_map, pipeline
from matchmaker.search import relevance
from matchmaker.search.engine import SearchEngine
from tests.conftest import make_settings


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_fit_moves_the_level_and_keeps_the_spread() -> None:
    after = np.array([0.70, 0.80, 0.90])
    before = after + np.array([0.03, 0.05, 0.04])
    scale, shift = cosine_map.fit(after, before)
    assert scale == 1.0 and shift == pytest.approx(0.04)


def test_maps_compose_as_one_after_the_other() -> None:
    inner, outer = (0.5, 0.4), (2.0, -0.1)
    scale, shift = cosine_map.compose(outer, inner)
    x = 0.63
    assert scale * x + shift == pytest.approx(outer[0] * (inner[0] * x + inner[1]) + outer[1])
    assert cosine_map.compose(None, inner) == inner


def test_each_query_contributes_its_best_candidate_under_the_adapted_model() -> None:
    rng = np.random.default_rng(3)
    names = "qrabcdefghij"
    vectors = dict(zip(names, _unit(rng.normal(size=(len(names), 8))), strict=True))

    def after(texts: list[str]) -> np.ndarray:
        return np.stack([vectors[t] for t in texts])

    def before(texts: list[str]) -> np.ndarray:  # another model: the vectors turned a little
        turned = np.stack([vectors[t] + 0.3 * vectors["j"] for t in texts])
        return _unit(turned)

    passages = list("abcdefghij")
    xs, ys = cosine_map.best_pair_cosines(before, after, ["q", "r"], passages)
    scores_after = after(["q", "r"]) @ after(passages).T
    scores_before = before(["q", "r"]) @ before(passages).T
    best = scores_after.argmax(axis=1)
    assert xs.tolist() == pytest.approx(scores_after[[0, 1], best].tolist())
    assert ys.tolist() == pytest.approx(scores_before[[0, 1], best].tolist())


def test_a_stored_map_is_applied_for_that_model_only(tmp_path: Path) -> None:
    model_dir = tmp_path / "adapted-1"
    model_dir.mkdir()
    rng = np.random.default_rng(7)
    texts = [f"t{i}" for i in range(30)]
    after_vectors = dict(zip(texts, _unit(rng.normal(size=(30, 16))), strict=True))

    def after(batch: list[str]) -> np.ndarray:
        return np.stack([after_vectors[t] for t in batch])

    # the same model before and after: its own map is the identity, so what is stored is the
    # current model's map (2.0, 0.1) composed with it
    stored = cosine_map.fit_and_store(
        model_dir, after, after, [(texts[:10], texts[10:])], (2.0, 0.1)
    )
    assert stored["scale"] == pytest.approx(2.0) and stored["shift"] == pytest.approx(0.1)
    assert stored["queries"] == 10
    assert relevance.read_cosine_map(model_dir) == (pytest.approx(2.0), pytest.approx(0.1))

    base = relevance.calibration()
    mapped = relevance.for_model(str(model_dir))
    assert relevance.for_model("some-packaged-model-name") == base
    features = {"cosine": 0.41, "coverage": 0.3, "shared_mass": 1.0, "cross_lingual": 0.0}
    as_if = {**features, "cosine": 2.0 * 0.41 + 0.1}
    assert mapped.probability(features) == pytest.approx(base.probability(as_if))
    assert (mapped.strong, mapped.medium, mapped.floor) == (base.strong, base.medium, base.floor)

    engine = SearchEngine(make_settings(tmp_path), str(model_dir))
    assert engine.calibration.cosine_scale == pytest.approx(2.0)
    assert SearchEngine(make_settings(tmp_path)).calibration == base


def test_remembering_embeds_each_text_once() -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.stack([np.full(2, float(len(t))) for t in texts])

    remembered = pipeline.remembering(encode)
    first = remembered(["a", "bb", "a"])
    second = remembered(["bb", "ccc"])
    assert calls == [["a", "bb"], ["ccc"]]
    assert first[:, 0].tolist() == [1.0, 2.0, 1.0] and second[:, 0].tolist() == [2.0, 3.0]
