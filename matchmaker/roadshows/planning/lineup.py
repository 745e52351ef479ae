"""Lineup recommender: which achievements present at a roadshow, to serve the most open needs.

Objective (weighted maximum coverage, "best score counts"): a pair (achievement, need) covers the
need when its match score is at least `min_score`; a lineup is worth, summed over needs, the best
score among the chosen achievements that cover it. A need therefore counts once, and a second
achievement for the same need only adds the amount by which it matches better. Plain top-N by
score fails here: it picks near-duplicates that serve the same enterprises.

Methods:
- exact: a 0/1 model solved by HiGHS (`scipy.optimize.milp`, relative gap 1e-6), used when the
  instance has at most `exact_limit` covering pairs. Only the "chosen" variables are integer; the
  need-credit variables are continuous in [0, 1] (integral anyway once the lineup is fixed).
  Among equally good lineups, members are then swapped for better-ranked outsiders while the
  value stays the same. Random instances of 165 to 1,800 covering pairs (30–200 achievements,
  lineup of 8) took 0.1–4.5 s on a shared 2-core machine; the solve stops at `time_limit`.
- greedy with lazy evaluation for larger instances or when HiGHS runs out of `time_limit`: the
  objective is monotone submodular, so greedy reaches at least 1 − 1/e ≈ 63% of the best
  lineup that contains the pinned achievements. Ties (gains equal to 9 decimals) go to the
  better-ranked achievement.

Ranking, used for every tie: higher standalone value (sum of its covering scores), then lower id.
Pinned achievements are always in, removed ones never; if fewer achievements are available than
`size`, all of them are returned. Items come out ordered by the value credited to them (a need is
credited to the chosen achievement that matches it best), then by rank.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from matchmaker.roadshows.planning._solver import BinaryModel, solve

Method = Literal["exact", "greedy", "given"]


@dataclass(frozen=True)
class MatchScore:
    achievement_id: int
    need_id: int
    score: float  # 0..1


@dataclass(frozen=True)
class LineupChoice:
    achievement_id: int
    pinned: bool
    covers: tuple[int, ...]  # need ids it covers, best match first (LineupItem.covered_need_ids)
    exclusive: tuple[int, ...]  # covered by no other chosen achievement
    value: float  # scores of the needs credited to it


@dataclass(frozen=True)
class Lineup:
    items: tuple[LineupChoice, ...]
    total: float
    needs_covered: int
    method: Method
    optimal: bool  # proven best lineup containing the pins


def recommend_lineup(
    candidates: Iterable[int],
    scores: Iterable[MatchScore],
    size: int,
    *,
    pinned: Collection[int] = (),
    removed: Collection[int] = (),
    min_score: float = 0.5,
    method: Literal["auto", "exact", "greedy"] = "auto",
    exact_limit: int = 3_000,
    time_limit: float = 5.0,
) -> Lineup:
    """Choose `size` achievements among `candidates` (plus the pinned ones) covering the most."""
    pins, gone = set(pinned), set(removed)
    if pins & gone:
        raise ValueError(f"achievements both pinned and removed: {sorted(pins & gone)}")
    if size < len(pins):
        raise ValueError(f"{len(pins)} pinned achievements do not fit in a lineup of {size}")
    pool = (set(candidates) | pins) - gone
    covering = _covering(scores, pool, min_score)
    rank = _ranking(pool, covering)
    count = min(size, len(pool))
    edges = sum(len(needs) for needs in covering.values())

    if method == "exact" or (method == "auto" and edges <= exact_limit):
        found = _exact(pool, pins, covering, rank, count, time_limit)
        if found is not None and found[1]:
            best = _prefer_ranked(found[0], pool, pins, covering, rank)
            return describe(best, covering, pins, method="exact", optimal=True)
        greedy = describe(
            _lazy_greedy(pool, pins, covering, rank, count), covering, pins, method="greedy"
        )
        if found is None:
            return greedy
        partial = describe(found[0], covering, pins, method="exact", optimal=False)
        return partial if partial.total > greedy.total else greedy
    return describe(
        _lazy_greedy(pool, pins, covering, rank, count), covering, pins, method="greedy"
    )


def describe(
    chosen: Iterable[int],
    covering: Mapping[int, Mapping[int, float]],
    pinned: Collection[int] = (),
    *,
    method: Method = "given",
    optimal: bool = False,
) -> Lineup:
    """Coverage breakdown of a given lineup (also for one staff put together by hand).

    `covering` maps achievement id → {need id: score} of the covering pairs, see `covering_pairs`.
    """
    members = sorted(set(chosen))
    rank = _ranking(members, covering)
    holders: dict[int, list[int]] = defaultdict(list)
    for a in members:
        for need in covering.get(a, {}):
            holders[need].append(a)
    credited: dict[int, float] = defaultdict(float)
    for need, owners in holders.items():
        best = min(owners, key=lambda a: (-covering[a][need], rank[a]))
        credited[best] += covering[best][need]
    items = []
    for a in members:
        needs = covering.get(a, {})
        items.append(
            LineupChoice(
                achievement_id=a,
                pinned=a in pinned,
                covers=tuple(sorted(needs, key=lambda n: (-needs[n], n))),
                exclusive=tuple(sorted(n for n in needs if len(holders[n]) == 1)),
                value=credited[a],
            )
        )
    items.sort(key=lambda item: (-item.value, rank[item.achievement_id]))
    return Lineup(
        items=tuple(items),
        total=sum(credited.values()),
        needs_covered=len(holders),
        method=method,
        optimal=optimal,
    )


def covering_pairs(
    scores: Iterable[MatchScore], min_score: float = 0.5
) -> dict[int, dict[int, float]]:
    """achievement id → {need id: score} for the pairs that cover (the best score per pair)."""
    result: dict[int, dict[int, float]] = defaultdict(dict)
    for s in scores:
        if s.score >= min_score and s.score > result[s.achievement_id].get(s.need_id, 0.0):
            result[s.achievement_id][s.need_id] = s.score
    return {a: needs for a, needs in result.items() if needs}


def _covering(
    scores: Iterable[MatchScore], pool: set[int], min_score: float
) -> dict[int, dict[int, float]]:
    everything = covering_pairs(scores, min_score)
    return {a: needs for a, needs in everything.items() if a in pool}


def _ranking(pool: Iterable[int], covering: Mapping[int, Mapping[int, float]]) -> dict[int, int]:
    order = sorted(pool, key=lambda a: (-round(sum(covering.get(a, {}).values()), 9), a))
    return {a: position for position, a in enumerate(order)}


def _exact(
    pool: set[int],
    pins: set[int],
    covering: Mapping[int, Mapping[int, float]],
    rank: Mapping[int, int],
    count: int,
    time_limit: float,
) -> tuple[list[int], bool] | None:
    """(lineup, proven optimal) from HiGHS, or None when it found no lineup in time."""
    model = BinaryModel()
    members = sorted(pool, key=rank.__getitem__)
    chosen_var = {a: model.add_variable(0.0) for a in members}
    model.fixed_one = {chosen_var[a] for a in pins}
    model.add_row([(v, 1.0) for v in chosen_var.values()], lower=count, upper=count)
    per_need: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a in members:
        for need, score in sorted(covering.get(a, {}).items()):
            credit = model.add_variable(score, integer=False)
            model.add_row([(credit, 1.0), (chosen_var[a], -1.0)], upper=0.0)
            per_need[need].append((credit, 1.0))
    for terms in per_need.values():
        model.add_row(terms, upper=1.0)

    found = solve(model, time_limit=time_limit)
    if found is None:
        return None
    return _members(found.chosen, chosen_var), found.optimal


def _members(chosen: frozenset[int], chosen_var: Mapping[int, int]) -> list[int]:
    return [a for a, var in chosen_var.items() if var in chosen]


def _value(chosen: Iterable[int], covering: Mapping[int, Mapping[int, float]]) -> float:
    best: dict[int, float] = defaultdict(float)
    for a in chosen:
        for need, score in covering.get(a, {}).items():
            best[need] = max(best[need], score)
    return round(sum(best.values()), 9)


def _prefer_ranked(
    chosen: list[int],
    pool: set[int],
    pins: set[int],
    covering: Mapping[int, Mapping[int, float]],
    rank: Mapping[int, int],
) -> list[int]:
    """Swap members for better-ranked outsiders as long as the value stays the same.

    HiGHS returns one of several equally good lineups; this makes the choice follow the ranking
    (by single swaps, which settles the ties that occur in practice: interchangeable items).
    """
    lineup = set(chosen)
    target = _value(lineup, covering)
    swapped = True
    while swapped:
        swapped = False
        for out in sorted(lineup - pins, key=rank.__getitem__, reverse=True):
            for into in sorted(pool - lineup, key=rank.__getitem__):
                if rank[into] > rank[out]:
                    break
                if _value(lineup - {out} | {into}, covering) >= target:
                    lineup = lineup - {out} | {into}
                    swapped = True
                    break
            if swapped:
                break
    return sorted(lineup, key=rank.__getitem__)


def _lazy_greedy(
    pool: set[int],
    pins: set[int],
    covering: Mapping[int, Mapping[int, float]],
    rank: Mapping[int, int],
    count: int,
) -> list[int]:
    best: dict[int, float] = defaultdict(float)  # need → best score in the lineup so far

    def take(a: int) -> None:
        for need, score in covering.get(a, {}).items():
            best[need] = max(best[need], score)

    def gain(a: int) -> float:
        total = sum(max(score - best[need], 0.0) for need, score in covering.get(a, {}).items())
        return round(total, 9)  # sums in another order must still tie

    chosen = sorted(pins, key=rank.__getitem__)
    for a in chosen:
        take(a)
    # gains only shrink as the lineup grows, so a stale gain is an upper bound: re-evaluate
    # only the top of the heap, and take it once its gain is fresh for this round
    heap = [(-gain(a), rank[a], a, len(chosen)) for a in pool - pins]
    heapq.heapify(heap)
    while len(chosen) < count:
        _, position, a, computed_in = heapq.heappop(heap)
        if computed_in == len(chosen):
            chosen.append(a)
            take(a)
        else:
            heapq.heappush(heap, (-gain(a), position, a, len(chosen)))
    return chosen
