"""The pair relevance probability (matching/relevance.py) and how the matcher uses it."""

from __future__ import annotations

import gc
import json
from datetime import date

import numpy as np
import pytest

from indexer import bilingual, text
from matchmaker.matching import explain, ranker, scoring
from matchmaker.matching import operations as matching
from matchmaker.matching.feedback import Feedback
from matchmaker.models import Achievement, Match, Need
from matchmaker.search import relevance
from tests import factories, fakes

NEED = "我司生产动力电池，硅碳负极材料首次效率低、循环寿命短，希望引进负极预锂化技术。"
GOOD = "本成果为硅碳负极预锂化技术：首次效率提升到90%，循环寿命1000周，适用于动力电池。"
UNRELATED = [
    "耐盐碱粳稻新品种选育，亩产提高15%，适合滨海盐碱地种植。",
    "鲜食葡萄贮藏保鲜技术，采用二氧化硫缓释保鲜垫，贮藏期延长到四个月。",
    "一种呼吸道病原体核酸恒温扩增检测试剂盒，30分钟出结果。",
    "船舶压载水处理系统，紫外加电解联合杀菌，满足国际公约要求。",
]


def test_shipped_calibration_loads_and_is_monotone() -> None:
    model = relevance.calibration()
    assert 0 < model.floor <= model.medium <= model.strong < 1
    bands = (model.strong, model.medium, model.floor)
    assert bands == (scoring.STRONG, scoring.MEDIUM, scoring.MIN_PROPOSAL_SCORE)
    assert all(
        c > 0
        for f, c in zip(model.features, model.coefficients, strict=True)
        if f != "cross_lingual"
    )
    base = {"cosine": 0.8, "coverage": 0.3, "shared_mass": 2.0, "cross_lingual": 0.0}
    steps = {"cosine": 0.02, "coverage": 0.1, "shared_mass": 0.5}
    assert "cosine" in model.features
    for name in (f for f in model.features if f != "cross_lingual"):
        step = steps[name]
        values = [model.probability({**base, name: base[name] + i * step}) for i in range(8)]
        assert all(0 < v < 1 for v in values)
        assert values == sorted(values) and values[0] < values[-1], name
    assert relevance.band(model.strong) == "high"
    assert relevance.band(model.medium) == "medium"
    assert relevance.band(model.floor) == "low"
    assert relevance.band(model.floor / 2) == "none"


def test_a_calibration_file_with_bands_out_of_order_is_refused(tmp_path) -> None:
    data = relevance.calibration().to_dict()
    data["bands"] = {"strong": 0.3, "medium": 0.5, "floor": 0.1}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError):
        relevance.load(path)
    data["bands"] = {"strong": 0.6, "medium": 0.4, "floor": 0.1}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert relevance.load(path).strong == 0.6


def test_related_texts_score_above_unrelated_ones() -> None:
    embed = fakes.HashingEmbedder().encode_one
    good = relevance.features(NEED, GOOD, embed(NEED), embed(GOOD))
    bad = relevance.features(NEED, UNRELATED[0], embed(NEED), embed(UNRELATED[0]))
    assert good["coverage"] > bad["coverage"] and good["shared_mass"] > bad["shared_mass"]
    assert relevance.probability(NEED, GOOD, embed(NEED), embed(GOOD)) > relevance.probability(
        NEED, UNRELATED[0], embed(NEED), embed(UNRELATED[0])
    )


def test_compatibility_cannot_lift_a_pair_under_the_floor() -> None:
    floor = scoring.MIN_PROPOSAL_SCORE
    need = Need(field="new_materials", trl_min=3, budget_max=500, cooperation_modes=["license"])
    achievement = Achievement(
        field="new_materials", trl=9, price_min=100, cooperation_modes=["license"], region=None
    )
    feedback = Feedback(approved_fields={"new_materials"})
    under = floor * 0.9
    scored = scoring.score_pair(1.0, under, achievement, need, date(2025, 1, 1), feedback)
    assert scored is not None and scored.components["compatibility"] > 0
    assert not scored.proposable and scored.score <= under < floor
    # at the floor the same checks do lift it, but by a capped amount
    above = min(floor * 1.2, 0.99)
    lifted = scoring.score_pair(1.0, above, achievement, need, date(2025, 1, 1), feedback)
    assert lifted is not None and lifted.proposable and lifted.score > above
    cap = relevance.calibration().adjustment_cap
    assert relevance.adjust(0.5, 100.0) == pytest.approx(1 / (1 + np.exp(-cap)))
    # compatibility failures can push a pair out of the queue
    bad = Achievement(field="biomedicine", trl=1, price_min=5000, cooperation_modes=["equity"])
    lowered = scoring.score_pair(1.0, floor * 1.01, bad, need, date(2025, 1, 1), Feedback())
    assert lowered is not None and not lowered.proposable


def test_shared_terms_are_whole_words() -> None:
    need = "动力电池硅碳负极材料首效低。需要焊接机器人提升焊缝质量，空压机节能改造。"
    achievement = "锂电池负极材料预锂化技术。光伏清扫机器人。航空复合材料。"
    for found in (
        explain.shared_terms(need, achievement),
        relevance.shared_words(need, achievement),
    ):
        assert "负极" in found or "负极材料" in found
        for fragment in ("池负", "极材", "器人", "空压", "接机", "机器"):
            assert fragment not in found, (fragment, found)
        assert all(text.is_dictionary_word(w) for w in found), found
    assert text.subwords("焊接机器人") == ("焊接", "机器人")
    assert not text.is_dictionary_word("器人") and text.is_dictionary_word("机器人")


def test_english_terms_come_from_the_installed_dictionary() -> None:
    assert "换热器" in bilingual.expand("A compact heat exchanger for waste heat recovery")
    assert "钛合金" in bilingual.expand("porous titanium implants")
    assert bilingual.expand("高镍正极材料") == []
    shared = relevance.shared_words(
        "Porous titanium implant by 3D printing", "3D打印多孔钛合金植入物"
    )
    assert "多孔" in shared and "钛合金" in shared
    found = relevance.features("Porous titanium implant", "多孔钛合金植入物", None, None)
    assert found["cross_lingual"] == 1.0 and found["coverage"] > 0.3


def _world(session, tmp_path):  # type: ignore[no-untyped-def]
    engine = fakes.engine(tmp_path / "index.sqlite")
    need = factories.need(session, title="硅碳负极首次效率低", description=NEED)
    good = factories.achievement(
        session, title="硅碳负极预锂化技术", summary="预锂化", description=GOOD
    )
    fakes.index_all(session, engine)
    return engine, need, good


def test_probability_does_not_change_when_unrelated_listings_are_added(session, tmp_path) -> None:
    engine, need, good = _world(session, tmp_path)
    today = date(2025, 1, 1)

    def pair_score() -> tuple[float, float]:
        ranked = ranker.for_need(session, engine, need, today=today)
        item = next(r for r in ranked if r.achievement.id == good.id)
        return item.components["relevance"], item.score

    before = pair_score()
    for body in UNRELATED * 3:
        factories.achievement(session, title=body[:12], summary="", description=body)
    fakes.index_all(session, engine)
    assert engine.index.count() > 10
    assert pair_score() == pytest.approx(before, abs=1e-9)
    # and the same value when the achievement side searches
    ranked = ranker.for_achievement(session, engine, good, today=today)
    assert next(r for r in ranked if r.need.id == need.id).components["relevance"] == (
        pytest.approx(before[0], abs=1e-9)
    )


def test_no_proposal_when_nothing_reaches_the_floor(session, tmp_path) -> None:
    engine = fakes.engine(tmp_path / "index.sqlite")
    need = factories.need(session, title="硅碳负极首次效率低", description=NEED)
    for body in UNRELATED:
        factories.achievement(session, title=body[:12], summary="", description=body)
    fakes.index_all(session, engine)
    ranked = ranker.for_need(session, engine, need, today=date(2025, 1, 1))
    assert ranked and not any(r.proposable for r in ranked)
    counts = matching.match_listing(session, engine, need, today=date(2025, 1, 1))
    assert counts["created"] == 0
    assert session.query(Match).filter_by(need_id=need.id).count() == 0
    assert not matching.has_good_match(max(r.score for r in ranked))
    assert all(r.explanation["good_match"] is False for r in ranked)


def test_the_site_builds_the_bilingual_dictionary_when_it_starts(settings, monkeypatch) -> None:
    """The first English need or search must not wait seconds for the reverse dictionary."""
    from dataclasses import replace

    from web import create_app

    bilingual._cedict_built.cache_clear()
    monkeypatch.setattr(bilingual, "_warming", None)
    create_app(replace(settings, search_enabled=True))
    assert bilingual._warming is not None
    bilingual._warming.join(timeout=60)
    assert bilingual._cedict_built.cache_info().currsize == 1
    # then the long-lived objects leave the full collections (runtime.settle_long_lived_objects)
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    started = bilingual._warming
    create_app(replace(settings, search_enabled=True))
    assert bilingual._warming is started  # once per process


@pytest.mark.parametrize(
    ("achievement", "need"),
    [
        # asking 800 万元 of a need with 80 万元 to spend
        (dict(price_min=800, trl=6), dict(budget_max=80, trl_min=5)),
        # a preclinical platform (TRL 4) for a need that wants a product in trials (TRL 7)
        (dict(price_min=None, trl=4), dict(budget_max=None, trl_min=7)),
    ],
)
def test_terms_out_of_reach_keep_a_related_pair_out_of_the_strong_band(achievement, need) -> None:
    common = dict(field="electronics", cooperation_modes=["license"])
    far = Achievement(**common, **achievement)
    wanted = Need(field="electronics", cooperation_modes=["license"], **need)
    scored = scoring.score_pair(1.0, 0.97, far, wanted, date(2025, 1, 1), Feedback())
    assert scored is not None and scored.proposable
    assert relevance.band(scored.score) == "medium"
    # the same pair within reach keeps its strength
    near = Achievement(**common, price_min=50, trl=need["trl_min"] or 6)
    within = scoring.score_pair(1.0, 0.97, near, wanted, date(2025, 1, 1), Feedback())
    assert within is not None and relevance.band(within.score) == "high"
