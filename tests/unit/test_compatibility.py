from datetime import date

import pytest

from matchmaker.matching.compatibility import (
    SCORE_OF,
    WEIGHTS,
    Result,
    adjustment,
    budget_check,
    deadline_check,
    evaluate,
    field_check,
    modes_check,
    region_check,
    trl_check,
)
from matchmaker.models import Achievement, Need

TODAY = date(2026, 11, 24)


def pair(a: dict | None = None, n: dict | None = None) -> tuple[Achievement, Need]:
    return Achievement(**(a or {})), Need(**(n or {}))


@pytest.mark.parametrize(
    ("a_field", "n_field", "expected"),
    [
        ("new_materials", "new_materials", Result.PASSED),
        ("integrated_circuits", "electronics", Result.PARTIAL),
        ("electronics", "integrated_circuits", Result.PARTIAL),
        ("biomedicine", "marine", Result.FAILED),
        (None, "marine", Result.UNKNOWN),
        ("other", "marine", Result.UNKNOWN),
    ],
)
def test_field(a_field, n_field, expected) -> None:
    assert field_check(*pair({"field": a_field}, {"field": n_field})).result == expected


@pytest.mark.parametrize(
    ("trl", "trl_min", "expected"),
    [
        (7, 6, Result.PASSED),
        (6, 6, Result.PASSED),
        (4, 6, Result.FAILED),
        (None, 6, Result.UNKNOWN),
        (5, None, Result.UNKNOWN),
    ],
)
def test_trl(trl, trl_min, expected) -> None:
    assert trl_check(*pair({"trl": trl}, {"trl_min": trl_min})).result == expected


def test_feedback_can_raise_the_required_trl() -> None:
    assert trl_check(*pair({"trl": 6}, {"trl_min": 5}), required=7).result == Result.FAILED


@pytest.mark.parametrize(
    ("price", "budget", "expected"),
    [
        (50, 100, Result.PASSED),
        (140, 100, Result.PARTIAL),
        (800, 100, Result.FAILED),
        (None, 100, Result.UNKNOWN),
        (50, None, Result.UNKNOWN),
    ],
)
def test_budget(price, budget, expected) -> None:
    assert budget_check(*pair({"price_min": price}, {"budget_max": budget})).result == expected


def test_modes_region_deadline() -> None:
    assert (
        modes_check(
            *pair(
                {"cooperation_modes": ["license"]}, {"cooperation_modes": ["license", "transfer"]}
            )
        ).result
        == Result.PASSED
    )
    assert (
        modes_check(
            *pair({"cooperation_modes": ["equity"]}, {"cooperation_modes": ["transfer"]})
        ).result
        == Result.FAILED
    )
    assert (
        modes_check(*pair({"cooperation_modes": []}, {"cooperation_modes": ["transfer"]})).result
        == Result.UNKNOWN
    )
    assert region_check(*pair({"region": "江苏省"}, {"region": "江苏省"})).result == Result.PASSED
    # both known and not the same: "different", shown as such, without a penalty (was "unknown")
    different = region_check(*pair({"region": "内蒙古自治区"}, {"region": "江苏省"}))
    assert different.result == Result.DIFFERENT and SCORE_OF[different.result] == 0.0
    assert region_check(*pair({"region": None}, {"region": "江苏省"})).result == Result.UNKNOWN
    assert deadline_check(Need(deadline=date(2026, 11, 23)), TODAY).blocks
    assert not deadline_check(Need(deadline=None), TODAY).blocks
    assert not deadline_check(Need(deadline=TODAY), TODAY).blocks


def test_adjustment_adds_weighted_soft_checks_only() -> None:
    achievement, need = pair(
        {
            "field": "new_materials",
            "trl": 4,
            "price_min": 50,
            "cooperation_modes": ["license"],
            "region": "江苏省",
        },
        {
            "field": "new_materials",
            "trl_min": 6,
            "budget_max": 100,
            "cooperation_modes": ["license"],
            "region": "江苏省",
            "deadline": date(2020, 1, 1),
        },
    )
    checks = evaluate(achievement, need, TODAY)
    expected = (
        WEIGHTS["field"] - WEIGHTS["trl"] + WEIGHTS["budget"] + WEIGHTS["modes"] + WEIGHTS["region"]
    )
    assert adjustment(checks) == pytest.approx(expected)
    assert any(c.blocks for c in checks)  # the deadline passed


def test_all_unknown_is_neutral() -> None:
    assert adjustment(evaluate(Achievement(), Need(), TODAY)) == 0
