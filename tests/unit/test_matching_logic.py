import pytest

from indexer.backends import Hit
from matchmaker.matching.explain import best_sentence_pair, shared_terms
from matchmaker.matching.feedback import Feedback
from matchmaker.models import Achievement
from matchmaker.search.fusion import reciprocal_rank_fusion, score_fusion


def test_rrf_rewards_agreement_and_breaks_ties_by_id() -> None:
    lexical = [Hit("a", 12.0), Hit("b", 9.0), Hit("c", 1.0)]
    dense = [Hit("b", 0.93), Hit("d", 0.92), Hit("a", 0.91)]
    fused = reciprocal_rank_fusion([lexical, dense])
    assert [h.id for h in fused][:2] == ["b", "a"] or [h.id for h in fused][:2] == ["a", "b"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 62)
    assert {h.id for h in fused} == {"a", "b", "c", "d"}
    assert [h.id for h in reciprocal_rank_fusion([[Hit("y", 1)], [Hit("x", 1)]])] == ["x", "y"]


def test_score_fusion_normalises_each_list() -> None:
    fused = score_fusion(
        [[Hit("a", 30.0), Hit("b", 10.0)], [Hit("b", 0.9), Hit("a", 0.8)]], [0.5, 0.5]
    )
    assert {h.id: round(h.score, 3) for h in fused} == {"a": 0.5, "b": 0.5}
    assert score_fusion([[], [Hit("x", 0.5)]], [0.5, 0.5])[0].id == "x"


def test_shared_terms_and_best_sentences() -> None:
    need = "我司生产功率模块。模块散热差，希望采用高导热陶瓷基板。预算 100 万元。"
    achievement = "本成果为氮化铝陶瓷基板。热导率达到 180，可用于功率模块散热。已完成中试。"
    terms = shared_terms(need, achievement)
    assert "功率模块" in terms or "散热" in terms
    pair = best_sentence_pair(need, achievement)
    assert pair is not None
    assert "功率模块" in pair[0] and "功率模块" in pair[1]
    assert best_sentence_pair("完全不同的句子内容。", "another language entirely here.") is None


def test_feedback_adjustments() -> None:
    fb = Feedback(
        penalised_fields={"new_materials"},
        price_ceiling=100.0,
        approved_fields={"new_energy"},
        rejected_achievements={7},
        excluded_organisations={3},
    )
    assert fb.adjustment(Achievement(field="new_materials", price_min=150)) == pytest.approx(-0.18)
    assert fb.adjustment(Achievement(field="new_energy", price_min=20)) == pytest.approx(0.03)
    assert fb.adjustment(Achievement(field="marine")) == 0
    assert fb.excludes(Achievement(id=7))
    assert fb.excludes(Achievement(id=8, organisation_id=3))
    assert not fb.excludes(Achievement(id=8, organisation_id=4))
