import itertools
import random

import pytest

from matchmaker.models.enums import RegistrationStatus
from matchmaker.roadshows.planning.roster import (
    CODE_ALPHABET,
    Roster,
    Seat,
    email_key,
    format_check_in_code,
    is_valid_check_in_code,
    new_check_in_code,
    normalise_check_in_code,
)

REG, WAIT, GONE = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CANCELLED,
)


def keys(seats: list[Seat] | tuple[Seat, ...]) -> list[str]:
    return [s.key for s in seats]


def test_full_roadshow_waitlists_and_cancellation_promotes_the_earliest() -> None:
    roster = Roster(capacity=2)
    statuses = [roster.register(k).seat.status for k in ("a", "b", "c", "d")]
    assert statuses == [REG, REG, WAIT, WAIT]
    change = roster.cancel("a")
    assert change.seat.status == GONE and change.changed
    assert keys(change.promoted) == ["c"]
    assert keys(roster.confirmed()) == ["b", "c"] and keys(roster.waitlist()) == ["d"]
    assert roster.cancel("d").promoted == ()  # a waitlisted person leaving frees no seat


def test_registering_twice_changes_nothing() -> None:
    roster = Roster(capacity=1)
    first = roster.register("a")
    again = roster.register("a")
    assert not again.changed and again.seat == first.seat
    roster.register("b")
    assert not roster.register("b").changed and roster.seat("b").status == WAIT
    assert roster.cancel("b").changed
    assert not roster.cancel("b").changed and roster.seat("b").status == GONE


def test_coming_back_after_cancelling_joins_the_back_of_the_queue() -> None:
    roster = Roster(capacity=1)
    for k in ("a", "b", "c"):
        roster.register(k)
    roster.cancel("b")
    back = roster.register("b")
    assert back.changed and back.seat.status == WAIT
    assert keys(roster.waitlist()) == ["c", "b"]


def test_nobody_jumps_the_waitlist_when_a_seat_is_free() -> None:
    # stored state with a free seat and a waiting person (e.g. capacity raised elsewhere)
    roster = Roster(capacity=2, seats=[Seat("a", REG, 1), Seat("b", WAIT, 2)])
    assert keys(roster.confirmed()) == ["a"]  # loading changes nothing behind the caller's back
    assert roster.register("c").seat.status == WAIT
    assert keys(roster.set_capacity(roster.capacity)) == ["b"]


def test_capacity_changes() -> None:
    roster = Roster(capacity=1)
    for k in ("a", "b", "c", "d"):
        roster.register(k)
    assert keys(roster.set_capacity(3)) == ["b", "c"]
    assert roster.set_capacity(1) == ()
    assert keys(roster.confirmed()) == ["a", "b", "c"]  # nobody loses a confirmed seat
    assert roster.cancel("a").promoted == () and roster.cancel("b").promoted == ()
    assert keys(roster.cancel("c").promoted) == ["d"]
    with pytest.raises(ValueError):
        roster.set_capacity(0)


def test_unknown_and_duplicate_people() -> None:
    with pytest.raises(KeyError):
        Roster(capacity=1).cancel("nobody")
    with pytest.raises(ValueError, match="two registrations"):
        Roster(capacity=1, seats=[Seat("a", REG, 1), Seat("a", WAIT, 2)])
    assert email_key("  Li.Lei@Example.ORG ") == "li.lei@example.org"


def test_random_sequences_keep_the_invariants() -> None:
    rng = random.Random(5)
    roster = Roster(capacity=3)
    people = [f"p{i}" for i in range(8)]
    for _ in range(500):
        action = rng.random()
        who = rng.choice(people)
        if action < 0.5:
            before = len(roster.confirmed())
            change = roster.register(who)
            if change.changed and change.seat.status == REG:
                assert before < roster.capacity
        elif action < 0.9:
            if roster.seat(who) is not None:
                roster.cancel(who)
        else:
            roster.set_capacity(rng.randint(1, 5))
        confirmed, waiting = roster.confirmed(), roster.waitlist()
        if waiting:
            assert len(confirmed) >= roster.capacity
        everyone = confirmed + waiting
        assert len({s.key for s in everyone}) == len(everyone)


def test_check_in_codes_are_valid_unique_and_unambiguous() -> None:
    rng = random.Random(1)
    taken: set[str] = set()
    for _ in range(2000):
        code = new_check_in_code(rng, taken)
        assert code not in taken and is_valid_check_in_code(code)
        taken.add(code)
    assert not set("0O1IZ") & set("".join(taken))
    assert len(CODE_ALPHABET) == 31
    assert is_valid_check_in_code(new_check_in_code())  # system randomness


def test_every_typo_and_swap_is_caught() -> None:
    rng = random.Random(2)
    for _ in range(20):
        code = new_check_in_code(rng)
        for i, ch in itertools.product(range(len(code)), CODE_ALPHABET):
            if ch != code[i]:
                assert not is_valid_check_in_code(code[:i] + ch + code[i + 1 :])
        for i, j in itertools.combinations(range(len(code)), 2):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert not is_valid_check_in_code("".join(swapped))


def test_codes_as_people_type_them() -> None:
    code = new_check_in_code(random.Random(3))
    shown = format_check_in_code(code)
    assert shown[4] == "-" and shown.replace("-", "") == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert normalise_check_in_code(f" {full_width[:4]} - {full_width[4:]} ") == code
    assert is_valid_check_in_code(shown.lower())
    assert not is_valid_check_in_code(code[:-1])
    assert not is_valid_check_in_code(code + "2")
    assert not is_valid_check_in_code("")
