"""1:1 meeting scheduler benchmark (numbers for the README; never a timed test).

    python scripts/bench_schedule.py [--participants 200] [--presenters 30] [--slots 12]

Random accepted requests with a fixed seed: every participant asks for 4–8 presenters, with
match scores from a Beta distribution; caps are 6 meetings per participant and one per slot for
presenters; one table per presenter. Prints solve time, meetings, total score, gap, and the same
for the greedy schedule for comparison.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker.roadshows.planning.schedule import (  # noqa: E402
    MeetingRequest,
    Problem,
    Schedule,
    greedy_schedule,
    solve_schedule,
    validate,
)


def build(
    participants: int, presenters: int, slots: int, tables: int, cap: int, seed: int
) -> Problem:
    rng = random.Random(seed)
    requests: list[MeetingRequest] = []
    for participant in range(1, participants + 1):
        wanted = rng.sample(range(1, presenters + 1), rng.randint(4, 8))
        for presenter in wanted:
            score = round(rng.betavariate(4, 3), 4)
            requests.append(MeetingRequest(len(requests) + 1, participant, presenter, score))
    # a few people arrive late or leave early
    late = {p: frozenset(range(3)) for p in rng.sample(range(1, participants + 1), 15)}
    return Problem(
        slots=slots,
        tables=tables,
        requests=requests,
        max_per_participant=cap,
        max_per_presenter=slots,
        participant_unavailable=late,
    )


def show(name: str, problem: Problem, schedule: Schedule, seconds: float) -> None:
    gap = "n/a" if schedule.gap is None else f"{schedule.gap:.2e}"
    print(
        f"{name:7s} {seconds:6.2f} s  meetings {schedule.meetings}  "
        f"score {schedule.total_score:.3f}  optimal {schedule.optimal}  gap {gap}  "
        f"violations {len(validate(problem, schedule.assignments))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--presenters", type=int, default=30)
    parser.add_argument("--slots", type=int, default=12)
    parser.add_argument("--tables", type=int, default=30)
    parser.add_argument("--participant-cap", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    problem = build(
        args.participants,
        args.presenters,
        args.slots,
        args.tables,
        args.participant_cap,
        args.seed,
    )
    capacity = args.slots * min(args.tables, args.presenters)
    print(
        f"{args.participants} participants × {args.presenters} presenters × {args.slots} slots: "
        f"{len(problem.requests)} accepted requests, room for {capacity} meetings"
    )
    started = time.perf_counter()
    greedy = greedy_schedule(problem)
    show("greedy", problem, greedy, time.perf_counter() - started)
    started = time.perf_counter()
    best = solve_schedule(problem, time_limit=args.time_limit)
    show("milp", problem, best, time.perf_counter() - started)


if __name__ == "__main__":
    main()
