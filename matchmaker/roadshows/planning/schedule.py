"""1:1 meeting scheduler: accepted meeting requests → (slot, table), b2match style.

Objective, in this order: as many meetings as possible, then the highest total match score.
Both sides accepted every request, so a meeting that takes place beats a better-matched one that
pushes two others out. Each meeting is worth `1 + score / (U + 1)` where U bounds the number of
meetings that can fit, so the score part of any schedule stays below the value of one meeting.

Solver: a 0/1 model solved by HiGHS through `scipy.optimize.milp` (scipy is already installed
with sentence-transformers, so no native solver is added). Variables exist only for (request,
slot) pairs where both people are free; table numbers are handed out afterwards per slot, since
tables are interchangeable and the model already limits meetings per slot to free tables.
Presenters keep one table all day when there are enough tables. The model is solved to a
relative gap of 1e-6 (200 participants × 30 presenters × 12 slots: 0.4–1.5 s to proven optimum
on a shared 2-core machine, see scripts/bench_schedule.py). If HiGHS runs out of `time_limit`,
the better of its best schedule and a greedy one (best score first, earliest slot) is returned,
marked not optimal, with its gap to HiGHS's bound when one is known.

Ids follow the models: a request is a `Meeting` (`id`), the participant a `Registration`, the
presenter a `LineupItem`; `slot` is `Meeting.slot_index` (from 0) and `table` is
`Meeting.table_number` (from 1).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from matchmaker.roadshows.planning._solver import BinaryModel, solve


@dataclass(frozen=True)
class MeetingRequest:
    id: int
    participant_id: int
    presenter_id: int
    score: float


@dataclass(frozen=True)
class Assignment:
    request_id: int
    slot: int
    table: int


@dataclass(frozen=True)
class Problem:
    slots: int
    tables: int
    requests: Sequence[MeetingRequest]
    max_per_participant: int
    max_per_presenter: int
    participant_caps: Mapping[int, int] = field(default_factory=dict)  # overrides per id
    presenter_caps: Mapping[int, int] = field(default_factory=dict)
    participant_unavailable: Mapping[int, frozenset[int]] = field(default_factory=dict)
    presenter_unavailable: Mapping[int, frozenset[int]] = field(default_factory=dict)
    fixed: Sequence[Assignment] = ()  # staff-made placements the solver must keep

    def participant_cap(self, participant_id: int) -> int:
        return self.participant_caps.get(participant_id, self.max_per_participant)

    def presenter_cap(self, presenter_id: int) -> int:
        return self.presenter_caps.get(presenter_id, self.max_per_presenter)

    def is_free(self, request: MeetingRequest, slot: int) -> bool:
        return slot not in self.participant_unavailable.get(
            request.participant_id, frozenset()
        ) and slot not in self.presenter_unavailable.get(request.presenter_id, frozenset())


@dataclass(frozen=True)
class Schedule:
    assignments: tuple[Assignment, ...]  # sorted by (slot, table)
    unscheduled: tuple[int, ...]  # request ids left out
    meetings: int
    total_score: float
    method: Literal["milp", "greedy"]
    optimal: bool  # proven optimal (within the solver's relative gap of 1e-6)
    gap: float | None  # relative gap of the weighted objective; None when unknown


@dataclass(frozen=True)
class Violation:
    kind: str
    request_ids: tuple[int, ...]
    detail: str


def validate(problem: Problem, assignments: Iterable[Assignment]) -> list[Violation]:
    """Every broken rule in a (possibly hand-edited) schedule; empty when it is sound."""
    placed = list(assignments)
    requests = {r.id: r for r in problem.requests}
    found: list[Violation] = []

    def report(kind: str, ids: Iterable[int], detail: str) -> None:
        found.append(Violation(kind, tuple(sorted(ids)), detail))

    for request_id, times in Counter(a.request_id for a in placed).items():
        if times > 1:
            report("duplicate_request", [request_id], f"placed {times} times")
    known: list[tuple[Assignment, MeetingRequest]] = []
    for a in placed:
        request = requests.get(a.request_id)
        if request is None:
            report("unknown_request", [a.request_id], "no such accepted request")
            continue
        if not 0 <= a.slot < problem.slots:
            report("slot_out_of_range", [a.request_id], f"slot {a.slot}")
        if not 1 <= a.table <= problem.tables:
            report("table_out_of_range", [a.request_id], f"table {a.table}")
        known.append((a, request))
        if a.slot in problem.participant_unavailable.get(request.participant_id, frozenset()):
            report("participant_unavailable", [a.request_id], f"slot {a.slot}")
        if a.slot in problem.presenter_unavailable.get(request.presenter_id, frozenset()):
            report("presenter_unavailable", [a.request_id], f"slot {a.slot}")

    by_table: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_participant_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_presenter_slot: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_participant: dict[int, list[int]] = defaultdict(list)
    by_presenter: dict[int, list[int]] = defaultdict(list)
    for a, r in known:
        by_table[a.slot, a.table].append(a.request_id)
        by_participant_slot[r.participant_id, a.slot].append(a.request_id)
        by_presenter_slot[r.presenter_id, a.slot].append(a.request_id)
        by_participant[r.participant_id].append(a.request_id)
        by_presenter[r.presenter_id].append(a.request_id)
    for (slot, table), ids in by_table.items():
        if len(ids) > 1:
            report("table_double_booked", ids, f"slot {slot}, table {table}")
    for (person, slot), ids in by_participant_slot.items():
        if len(ids) > 1:
            report("participant_double_booked", ids, f"participant {person}, slot {slot}")
    for (person, slot), ids in by_presenter_slot.items():
        if len(ids) > 1:
            report("presenter_double_booked", ids, f"presenter {person}, slot {slot}")
    for person, ids in by_participant.items():
        if len(ids) > problem.participant_cap(person):
            report("participant_over_cap", ids, f"participant {person}: {len(ids)} meetings")
    for person, ids in by_presenter.items():
        if len(ids) > problem.presenter_cap(person):
            report("presenter_over_cap", ids, f"presenter {person}: {len(ids)} meetings")

    kept = {(a.request_id, a.slot, a.table) for a in placed}
    for f in problem.fixed:
        if (f.request_id, f.slot, f.table) not in kept:
            report("fixed_not_kept", [f.request_id], f"expected slot {f.slot}, table {f.table}")
    return found


def solve_schedule(problem: Problem, *, time_limit: float = 10.0) -> Schedule:
    """Schedule as many requests as possible, then the best-scored; keeps `problem.fixed`.

    Raises ValueError when the fixed assignments already break a rule.
    """
    broken = validate(problem, problem.fixed)
    if broken:
        raise ValueError(f"fixed assignments are inconsistent: {broken}")
    state = _Occupancy.from_fixed(problem)
    open_requests = sorted(
        (r for r in problem.requests if r.id not in state.fixed_ids), key=lambda r: r.id
    )
    upper = min(len(open_requests), sum(state.free_tables))
    model = BinaryModel()
    variables: list[tuple[MeetingRequest, int]] = []
    per_request: dict[int, list[tuple[int, float]]] = defaultdict(list)
    per_participant_slot: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    per_presenter_slot: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    per_slot: dict[int, list[tuple[int, float]]] = defaultdict(list)
    per_participant: dict[int, list[tuple[int, float]]] = defaultdict(list)
    per_presenter: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for request in open_requests:
        if not state.has_capacity(request):
            continue
        for slot in range(problem.slots):
            if not state.can_place(request, slot):
                continue
            var = model.add_variable(1.0 + request.score / (upper + 1))
            variables.append((request, slot))
            per_request[request.id].append((var, 1.0))
            per_participant_slot[request.participant_id, slot].append((var, 1.0))
            per_presenter_slot[request.presenter_id, slot].append((var, 1.0))
            per_slot[slot].append((var, 1.0))
            per_participant[request.participant_id].append((var, 1.0))
            per_presenter[request.presenter_id].append((var, 1.0))
    for terms in [*per_request.values(), *per_participant_slot.values()]:
        model.add_row(terms, upper=1)
    for terms in per_presenter_slot.values():
        model.add_row(terms, upper=1)
    for slot, terms in per_slot.items():
        model.add_row(terms, upper=state.free_tables[slot])
    for person, terms in per_participant.items():
        model.add_row(terms, upper=state.participant_left(person))
    for person, terms in per_presenter.items():
        model.add_row(terms, upper=state.presenter_left(person))

    solution = solve(model, time_limit=time_limit)
    if solution is not None and solution.optimal:
        chosen = [variables[i] for i in sorted(solution.chosen)]
        return _finish(problem, chosen, "milp", True, solution.gap)
    # out of time: HiGHS's incumbent is often weaker than greedy, so keep the better one
    greedy_chosen = _greedy(problem, open_requests, state)
    bound = solution.bound if solution is not None else None
    greedy_value = sum(1.0 + r.score / (upper + 1) for r, _ in greedy_chosen)
    greedy_gap = None if bound is None else max(bound - greedy_value, 0.0) / max(greedy_value, 1.0)
    greedy = _finish(problem, greedy_chosen, "greedy", False, greedy_gap)
    if solution is None:
        return greedy
    best = _finish(
        problem, [variables[i] for i in sorted(solution.chosen)], "milp", False, solution.gap
    )
    return greedy if _rank(greedy) > _rank(best) else best


def _rank(schedule: Schedule) -> tuple[int, float]:
    return schedule.meetings, schedule.total_score


def greedy_schedule(problem: Problem) -> Schedule:
    """Best score first, each into its earliest possible slot: fast, no optimality claim."""
    broken = validate(problem, problem.fixed)
    if broken:
        raise ValueError(f"fixed assignments are inconsistent: {broken}")
    state = _Occupancy.from_fixed(problem)
    open_requests = [r for r in problem.requests if r.id not in state.fixed_ids]
    return _finish(problem, _greedy(problem, open_requests, state), "greedy", False, None)


@dataclass
class _Occupancy:
    """What the fixed assignments already use up."""

    problem: Problem
    fixed_ids: set[int]
    free_tables: list[int]
    busy: set[tuple[str, int, int]]  # ("participant" | "presenter", id, slot)
    used: Counter[tuple[str, int]]

    @classmethod
    def from_fixed(cls, problem: Problem) -> _Occupancy:
        requests = {r.id: r for r in problem.requests}
        state = cls(problem, set(), [problem.tables] * problem.slots, set(), Counter())
        for a in problem.fixed:
            state.take(requests[a.request_id], a.slot)
            state.fixed_ids.add(a.request_id)
        return state

    def take(self, request: MeetingRequest, slot: int) -> None:
        self.free_tables[slot] -= 1
        self.busy.add(("participant", request.participant_id, slot))
        self.busy.add(("presenter", request.presenter_id, slot))
        self.used["participant", request.participant_id] += 1
        self.used["presenter", request.presenter_id] += 1

    def participant_left(self, person: int) -> int:
        return self.problem.participant_cap(person) - self.used["participant", person]

    def presenter_left(self, person: int) -> int:
        return self.problem.presenter_cap(person) - self.used["presenter", person]

    def has_capacity(self, request: MeetingRequest) -> bool:
        return (
            self.participant_left(request.participant_id) > 0
            and self.presenter_left(request.presenter_id) > 0
        )

    def can_place(self, request: MeetingRequest, slot: int) -> bool:
        return (
            self.free_tables[slot] > 0
            and self.problem.is_free(request, slot)
            and ("participant", request.participant_id, slot) not in self.busy
            and ("presenter", request.presenter_id, slot) not in self.busy
        )


def _greedy(
    problem: Problem, requests: Iterable[MeetingRequest], state: _Occupancy
) -> list[tuple[MeetingRequest, int]]:
    # works on a copy so the caller's occupancy still describes only the fixed assignments
    trial = _Occupancy(
        problem, set(state.fixed_ids), list(state.free_tables), set(state.busy), Counter(state.used)
    )
    chosen: list[tuple[MeetingRequest, int]] = []
    for request in sorted(requests, key=lambda r: (-r.score, r.id)):
        if not trial.has_capacity(request):
            continue
        for slot in range(problem.slots):
            if trial.can_place(request, slot):
                trial.take(request, slot)
                chosen.append((request, slot))
                break
    return chosen


def _finish(
    problem: Problem,
    chosen: list[tuple[MeetingRequest, int]],
    method: Literal["milp", "greedy"],
    optimal: bool,
    gap: float | None,
) -> Schedule:
    assignments = list(problem.fixed) + _tables(problem, chosen)
    placed = {a.request_id for a in assignments}
    scores = {r.id: r.score for r in problem.requests}
    return Schedule(
        assignments=tuple(sorted(assignments, key=lambda a: (a.slot, a.table))),
        unscheduled=tuple(sorted(r.id for r in problem.requests if r.id not in placed)),
        meetings=len(assignments),
        total_score=sum(scores[i] for i in placed),
        method=method,
        optimal=optimal,
        gap=gap,
    )


def _tables(problem: Problem, chosen: list[tuple[MeetingRequest, int]]) -> list[Assignment]:
    """Table numbers per slot; a presenter gets their home table when it is free."""
    taken: set[tuple[int, int]] = {(a.slot, a.table) for a in problem.fixed}
    presenters = sorted({r.presenter_id for r in problem.requests})
    home = (
        {p: n for n, p in enumerate(presenters, start=1)}
        if len(presenters) <= problem.tables
        else {}
    )
    ordered = sorted(chosen, key=lambda c: (c[1], c[0].presenter_id, c[0].id))
    tables: dict[int, int] = {}
    for request, slot in ordered:  # home tables first, so nobody else takes them
        table = home.get(request.presenter_id)
        if table is not None and (slot, table) not in taken:
            taken.add((slot, table))
            tables[request.id] = table
    for request, slot in ordered:
        if request.id not in tables:
            table = next(t for t in range(1, problem.tables + 1) if (slot, t) not in taken)
            taken.add((slot, table))
            tables[request.id] = table
    return [Assignment(request.id, slot, tables[request.id]) for request, slot in ordered]
