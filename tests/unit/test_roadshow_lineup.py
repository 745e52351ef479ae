import itertools
import math
import random

import pytest

from matchmaker.roadshows.planning import lineup
from matchmaker.roadshows.planning.lineup import (
    MatchScore,
    covering_pairs,
    describe,
    recommend_lineup,
)

S = MatchScore
METHODS = ["exact", "greedy"]

# A and B serve the same two enterprises; C alone serves a third one
TWINS = [S(1, 101, 0.9), S(1, 102, 0.9), S(2, 101, 0.85), S(2, 102, 0.85), S(3, 103, 0.6)]

# greedy takes the broad one first and ends one need short of the two narrow ones
GREEDY_TRAP = (
    [S(20, n, 1.0) for n in (2, 3, 4, 5)]
    + [S(10, n, 1.0) for n in (1, 2, 3)]
    + [S(30, n, 1.0) for n in (4, 5, 6)]
)


def ids(result: lineup.Lineup) -> set[int]:
    return {item.achievement_id for item in result.items}


def value(chosen: set[int], scores: list[MatchScore], min_score: float = 0.5) -> float:
    best: dict[int, float] = {}
    for s in scores:
        if s.achievement_id in chosen and s.score >= min_score:
            best[s.need_id] = max(best.get(s.need_id, 0.0), s.score)
    return sum(best.values())


@pytest.mark.parametrize("method", METHODS)
def test_coverage_beats_top_n_by_score(method: str) -> None:
    top_by_score = {1, 2}
    result = recommend_lineup([1, 2, 3], TWINS, 2, method=method)
    assert ids(result) == {1, 3}
    assert result.total == pytest.approx(2.4)
    assert value(top_by_score, TWINS) == pytest.approx(1.8)
    assert result.needs_covered == 3


def test_exact_finds_what_greedy_misses() -> None:
    exact = recommend_lineup([10, 20, 30], GREEDY_TRAP, 2, method="exact")
    greedy = recommend_lineup([10, 20, 30], GREEDY_TRAP, 2, method="greedy")
    assert ids(exact) == {10, 30} and exact.total == 6 and exact.optimal
    assert exact.method == "exact"
    assert ids(greedy) == {20, 10} and greedy.total == 5 and not greedy.optimal
    assert recommend_lineup([10, 20, 30], GREEDY_TRAP, 2).method == "exact"  # small: auto
    assert recommend_lineup([10, 20, 30], GREEDY_TRAP, 2, exact_limit=5).method == "greedy"


@pytest.mark.parametrize("method", METHODS)
def test_pins_and_removals(method: str) -> None:
    pinned = recommend_lineup([1, 2, 3], TWINS, 2, pinned=[2], method=method)
    assert ids(pinned) == {2, 3}
    assert [item.pinned for item in pinned.items if item.achievement_id == 2] == [True]
    without_c = recommend_lineup([1, 2, 3], TWINS, 2, removed=[3], method=method)
    assert ids(without_c) == {1, 2}
    # a pinned achievement need not be a candidate, nor cover anything
    outsider = recommend_lineup([1, 2, 3], TWINS, 2, pinned=[99], removed=[1], method=method)
    assert ids(outsider) == {99, 2}


def test_contradictory_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="both pinned and removed"):
        recommend_lineup([1, 2], TWINS, 2, pinned=[1], removed=[1])
    with pytest.raises(ValueError, match="do not fit"):
        recommend_lineup([1, 2, 3], TWINS, 1, pinned=[1, 2])


@pytest.mark.parametrize("method", METHODS)
def test_ties_go_to_the_better_ranked_achievement_whatever_the_input_order(method: str) -> None:
    scores = [S(a, n, 0.8) for a in (5, 7, 9) for n in (1, 2)] + [S(3, 4, 0.7), S(8, 4, 0.7)]
    rng = random.Random(3)
    for _ in range(5):
        shuffled = rng.sample(scores, len(scores))
        candidates = rng.sample([3, 5, 7, 8, 9], 5)
        result = recommend_lineup(candidates, shuffled, 2, method=method)
        assert ids(result) == {5, 3}
        assert [i.achievement_id for i in result.items] == [5, 3]


@pytest.mark.parametrize("method", METHODS)
def test_lineup_is_filled_even_when_coverage_is_saturated(method: str) -> None:
    scores = [S(1, 10, 0.9), S(2, 10, 0.6), S(3, 11, 0.4)]  # 3 is below the threshold
    result = recommend_lineup([1, 2, 3, 4], scores, 3, method=method)
    assert [i.achievement_id for i in result.items] == [1, 2, 3]
    assert recommend_lineup([1, 2], scores, 5, method=method).items[1].achievement_id == 2


def test_threshold_decides_what_covers() -> None:
    scores = [S(1, 10, 0.45), S(2, 11, 0.5)]
    assert covering_pairs(scores) == {2: {11: 0.5}}
    assert recommend_lineup([1, 2], scores, 1).total == pytest.approx(0.5)
    assert recommend_lineup([1, 2], scores, 2, min_score=0.4).total == pytest.approx(0.95)


def test_breakdown_per_achievement() -> None:
    scores = [*TWINS, S(3, 101, 0.7), S(1, 101, 0.5)]  # duplicate pair: best score is kept
    result = describe([1, 3], covering_pairs(scores), pinned=[3])
    first, second = result.items
    assert first.achievement_id == 1 and not first.pinned
    assert first.covers == (101, 102) and first.exclusive == (102,)
    assert first.value == pytest.approx(1.8)
    assert second.achievement_id == 3 and second.pinned
    assert second.covers == (101, 103) and second.exclusive == (103,)
    assert second.value == pytest.approx(0.6)
    assert result.total == pytest.approx(2.4) and result.needs_covered == 3
    assert result.method == "given" and not result.optimal


def plain_greedy(candidates: list[int], scores: list[MatchScore], size: int) -> set[int]:
    standalone = {a: round(value({a}, scores), 9) for a in candidates}
    chosen: set[int] = set()
    while len(chosen) < min(size, len(candidates)):
        base = value(chosen, scores)
        best = min(
            (a for a in candidates if a not in chosen),
            key=lambda a: (-round(value(chosen | {a}, scores) - base, 9), -standalone[a], a),
        )
        chosen.add(best)
    return chosen


def test_random_instances_exact_is_optimal_and_greedy_within_its_guarantee() -> None:
    rng = random.Random(42)
    for _ in range(40):
        candidates = list(range(1, rng.randint(3, 9)))
        needs = list(range(100, 100 + rng.randint(2, 12)))
        scores = [
            S(a, n, round(rng.uniform(0.3, 1.0), 2))
            for a in candidates
            for n in needs
            if rng.random() < 0.35
        ]
        size = rng.randint(1, len(candidates))
        pinned = rng.sample(candidates, rng.randint(0, min(1, size)))
        best = max(
            value(set(combo), scores)
            for combo in itertools.combinations(candidates, size)
            if set(pinned) <= set(combo)
        )
        exact = recommend_lineup(candidates, scores, size, pinned=pinned, method="exact")
        greedy = recommend_lineup(candidates, scores, size, pinned=pinned, method="greedy")
        assert exact.total == pytest.approx(best)
        assert value(ids(exact), scores) == pytest.approx(exact.total)
        assert greedy.total >= (1 - 1 / math.e) * best - 1e-9
        assert len(exact.items) == len(greedy.items) == size
        if not pinned:
            assert ids(greedy) == plain_greedy(candidates, scores, size)


def test_uses_greedy_when_the_solver_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lineup, "solve", lambda model, time_limit: None)
    result = recommend_lineup([10, 20, 30], GREEDY_TRAP, 2, method="exact")
    assert result.method == "greedy" and ids(result) == {20, 10}
