import itertools
import random

import pytest

from matchmaker.roadshows.planning import schedule
from matchmaker.roadshows.planning.schedule import (
    Assignment,
    MeetingRequest,
    Problem,
    greedy_schedule,
    solve_schedule,
    validate,
)


def req(id: int, participant: int, presenter: int, score: float) -> MeetingRequest:
    return MeetingRequest(id, participant, presenter, score)


def random_problem(rng: random.Random, *, fixed: bool) -> Problem:
    participants, presenters = rng.randint(2, 9), rng.randint(1, 5)
    slots, tables = rng.randint(1, 5), rng.randint(1, 4)
    pairs = [(p, q) for p in range(1, participants + 1) for q in range(1, presenters + 1)]
    chosen = rng.sample(pairs, rng.randint(1, len(pairs)))
    requests = [req(i, p, q, round(rng.random(), 3)) for i, (p, q) in enumerate(chosen, start=1)]
    away = {
        p: frozenset(rng.sample(range(slots), rng.randint(0, slots)))
        for p in range(1, participants + 1)
        if rng.random() < 0.3
    }
    problem = Problem(
        slots=slots,
        tables=tables,
        requests=requests,
        max_per_participant=rng.randint(1, 3),
        max_per_presenter=rng.randint(1, slots),
        presenter_caps={1: 1},
        participant_unavailable=away,
        presenter_unavailable={presenters: frozenset({0})},
    )
    if not fixed:
        return problem
    # staff pin a sound part of some greedy schedule of the same instance
    kept = [a for a in greedy_schedule(problem).assignments if rng.random() < 0.4]
    return Problem(**{**problem.__dict__, "fixed": tuple(kept)})


def best_by_enumeration(problem: Problem) -> tuple[int, float]:
    best = (0, 0.0)
    choices = [None, *range(problem.slots)]
    for option in itertools.product(choices, repeat=len(problem.requests)):
        placed = [(r, s) for r, s in zip(problem.requests, option, strict=True) if s is not None]
        per_slot = [sum(1 for _, s in placed if s == slot) for slot in range(problem.slots)]
        if max(per_slot, default=0) > problem.tables:
            continue
        people = [(("a", r.participant_id), s) for r, s in placed]
        people += [(("p", r.presenter_id), s) for r, s in placed]
        if len(set(people)) < len(people):
            continue
        if any(not problem.is_free(r, s) for r, s in placed):
            continue
        if any(
            sum(1 for r, _ in placed if r.participant_id == p) > problem.participant_cap(p)
            for p in {r.participant_id for r in problem.requests}
        ) or any(
            sum(1 for r, _ in placed if r.presenter_id == q) > problem.presenter_cap(q)
            for q in {r.presenter_id for r in problem.requests}
        ):
            continue
        value = (len(placed), round(sum(r.score for r, _ in placed), 9))
        best = max(best, value)
    return best


@pytest.mark.parametrize("with_fixed", [False, True])
def test_random_instances_never_conflict(with_fixed: bool) -> None:
    rng = random.Random(20240611)
    for _ in range(60):
        problem = random_problem(rng, fixed=with_fixed)
        result = solve_schedule(problem)
        assert validate(problem, result.assignments) == []
        assert set(problem.fixed) <= set(result.assignments)
        placed = {a.request_id for a in result.assignments}
        assert placed.isdisjoint(result.unscheduled)
        assert placed | set(result.unscheduled) == {r.id for r in problem.requests}
        assert result.meetings == len(placed)
        assert result.optimal and result.method == "milp"
        assert validate(problem, greedy_schedule(problem).assignments) == []


def test_optimal_against_enumeration_on_tiny_instances() -> None:
    rng = random.Random(7)
    checked = 0
    while checked < 25:
        problem = random_problem(rng, fixed=False)
        if len(problem.requests) > 6 or problem.slots > 3:
            continue
        result = solve_schedule(problem)
        meetings, score = best_by_enumeration(problem)
        assert result.meetings == meetings
        assert result.total_score == pytest.approx(score, abs=1e-6)
        checked += 1


def test_more_meetings_beat_a_better_single_match_where_greedy_fails() -> None:
    problem = Problem(
        slots=1,
        tables=2,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.5), req(3, 11, 1, 0.6)],
        max_per_participant=5,
        max_per_presenter=5,
    )
    assert greedy_schedule(problem).meetings == 1
    result = solve_schedule(problem)
    assert {a.request_id for a in result.assignments} == {2, 3}
    assert result.total_score == pytest.approx(1.1)
    assert result.optimal and result.gap == pytest.approx(0, abs=1e-6)


def test_score_decides_between_equally_many_meetings() -> None:
    problem = Problem(
        slots=1,
        tables=1,
        requests=[req(1, 10, 1, 0.3), req(2, 11, 2, 0.8), req(3, 12, 3, 0.5)],
        max_per_participant=1,
        max_per_presenter=1,
    )
    result = solve_schedule(problem)
    assert result.assignments == (Assignment(2, 0, 1),)
    assert result.unscheduled == (1, 3)


def test_caps_limit_meetings_per_person() -> None:
    requests = [req(i, 1, i, 0.5 + i / 100) for i in range(1, 6)]
    requests += [req(10 + i, 100 + i, 9, 0.5) for i in range(1, 6)]
    problem = Problem(
        slots=6,
        tables=10,
        requests=requests,
        max_per_participant=2,
        max_per_presenter=6,
        presenter_caps={9: 3},
    )
    result = solve_schedule(problem)
    by_id = {r.id: r for r in requests}
    mine = [by_id[a.request_id] for a in result.assignments]
    assert sum(1 for r in mine if r.participant_id == 1) == 2
    assert {r.presenter_id for r in mine if r.participant_id == 1} == {4, 5}  # best scores
    assert sum(1 for r in mine if r.presenter_id == 9) == 3


def test_unavailable_slots_are_avoided() -> None:
    problem = Problem(
        slots=3,
        tables=3,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.8), req(3, 11, 1, 0.7)],
        max_per_participant=3,
        max_per_presenter=3,
        participant_unavailable={10: frozenset({0, 1})},
        presenter_unavailable={1: frozenset({0})},
    )
    result = solve_schedule(problem)
    slots = {a.request_id: a.slot for a in result.assignments}
    assert slots[1] == 2 or slots[2] == 2
    assert len([r for r in (1, 2) if r in slots]) == 1  # participant 10 has one free slot
    assert slots[3] in (1, 2) and slots[3] != slots.get(1)


def test_fixed_assignments_are_kept_even_when_not_optimal() -> None:
    problem = Problem(
        slots=1,
        tables=2,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.5), req(3, 11, 1, 0.6)],
        max_per_participant=5,
        max_per_presenter=5,
        fixed=(Assignment(1, 0, 2),),
    )
    result = solve_schedule(problem)
    assert result.assignments == (Assignment(1, 0, 2),)
    assert result.unscheduled == (2, 3)


def test_inconsistent_fixed_assignments_are_refused() -> None:
    problem = Problem(
        slots=2,
        tables=2,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.5)],
        max_per_participant=5,
        max_per_presenter=5,
        fixed=(Assignment(1, 0, 1), Assignment(2, 0, 2)),
    )
    with pytest.raises(ValueError, match="participant_double_booked"):
        solve_schedule(problem)


def test_presenters_keep_their_table_when_tables_suffice() -> None:
    requests = [req(10 * p + q, p, q, 0.5) for p in range(1, 5) for q in range(1, 4)]
    problem = Problem(
        slots=4, tables=3, requests=requests, max_per_participant=4, max_per_presenter=4
    )
    result = solve_schedule(problem)
    by_id = {r.id: r for r in requests}
    tables = {(by_id[a.request_id].presenter_id, a.table) for a in result.assignments}
    assert tables == {(1, 1), (2, 2), (3, 3)}
    assert result.meetings == 12


def test_validate_names_every_broken_rule() -> None:
    problem = Problem(
        slots=2,
        tables=2,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.5), req(3, 11, 1, 0.6), req(4, 12, 3, 0.1)],
        max_per_participant=1,
        max_per_presenter=1,
        participant_unavailable={12: frozenset({1})},
        presenter_unavailable={3: frozenset({1})},
        fixed=(Assignment(3, 1, 1),),
    )
    hand_made = [
        Assignment(1, 0, 1),
        Assignment(2, 0, 1),
        Assignment(3, 0, 2),
        Assignment(4, 1, 3),
        Assignment(4, 1, 3),
        Assignment(99, 5, 1),
    ]
    kinds = {(v.kind, v.request_ids) for v in validate(problem, hand_made)}
    assert kinds == {
        ("duplicate_request", (4,)),
        ("unknown_request", (99,)),
        ("table_out_of_range", (4,)),
        ("participant_unavailable", (4,)),
        ("presenter_unavailable", (4,)),
        ("table_double_booked", (1, 2)),
        ("table_double_booked", (4, 4)),
        ("participant_double_booked", (1, 2)),
        ("participant_double_booked", (4, 4)),
        ("presenter_double_booked", (1, 3)),
        ("presenter_double_booked", (4, 4)),
        ("participant_over_cap", (1, 2)),
        ("participant_over_cap", (4, 4)),
        ("presenter_over_cap", (1, 3)),
        ("presenter_over_cap", (4, 4)),
        ("fixed_not_kept", (3,)),
    }
    assert validate(problem, [Assignment(3, 1, 1), Assignment(4, 0, 2)]) == []


def test_falls_back_to_greedy_when_the_solver_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schedule, "solve", lambda model, time_limit: None)
    problem = Problem(
        slots=1,
        tables=2,
        requests=[req(1, 10, 1, 0.9), req(2, 10, 2, 0.5), req(3, 11, 1, 0.6)],
        max_per_participant=5,
        max_per_presenter=5,
    )
    result = solve_schedule(problem, time_limit=0.1)
    assert result.method == "greedy" and not result.optimal and result.gap is None
    assert result.assignments == (Assignment(1, 0, 1),)
