"""Registration desk logic: seats with an automatic waitlist, and check-in codes.

Seats: people are confirmed (`registered`) while there is room and `waitlisted` after that.
When a confirmed person cancels, or the capacity grows, the earliest waitlisted people move up.
Arrival order is the caller's (e.g. registration id); registering again after cancelling is a
new arrival at the back. Lowering the capacity never removes anyone already confirmed: the
overflow simply blocks promotions until enough people cancel.

Check-in codes: 8 characters from a 31-letter alphabet without 0/O, 1/I and Z/2 look-alikes;
the last one is a check character making Σ position × value ≡ 0 (mod 31). As 31 is prime and
the weights 1..8 are distinct, every single wrong character and every swap of two characters is
detected.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from random import Random

from matchmaker.models.enums import RegistrationStatus

REGISTERED = RegistrationStatus.REGISTERED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED


@dataclass(frozen=True)
class Seat:
    key: str  # who: the normalised e-mail (one registration per e-mail and roadshow)
    status: RegistrationStatus
    order: int  # arrival order; the waitlist moves up in this order


@dataclass(frozen=True)
class Change:
    seat: Seat  # the person acted on, after the change
    promoted: tuple[Seat, ...]  # people moved from the waitlist to a seat by this change
    changed: bool  # False for repeated registrations and cancellations


def email_key(email: str) -> str:
    return email.strip().casefold()


class Roster:
    """Seats of one roadshow; build it from the stored registrations, apply one change, save."""

    def __init__(self, capacity: int, seats: Iterable[Seat] = ()) -> None:
        self._seats: dict[str, Seat] = {}
        for seat in seats:
            if seat.key in self._seats:
                raise ValueError(f"two registrations for {seat.key!r}")
            self._seats[seat.key] = seat
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._capacity = capacity  # loading promotes nobody: call set_capacity to catch up

    @property
    def capacity(self) -> int:
        return self._capacity

    def seat(self, key: str) -> Seat | None:
        return self._seats.get(key)

    def confirmed(self) -> list[Seat]:
        return self._with(REGISTERED)

    def waitlist(self) -> list[Seat]:
        return self._with(WAITLISTED)

    def register(self, key: str) -> Change:
        """Confirm `key` if there is room and nobody waits, waitlist it otherwise."""
        current = self._seats.get(key)
        if current is not None and current.status != CANCELLED:
            return Change(current, (), changed=False)
        has_room = len(self.confirmed()) < self._capacity and not self.waitlist()
        order = max((s.order for s in self._seats.values()), default=0) + 1
        seat = Seat(key, REGISTERED if has_room else WAITLISTED, order)
        self._seats[key] = seat
        return Change(seat, (), changed=True)

    def cancel(self, key: str) -> Change:
        current = self._seats.get(key)
        if current is None:
            raise KeyError(key)
        if current.status == CANCELLED:
            return Change(current, (), changed=False)
        seat = replace(current, status=CANCELLED)
        self._seats[key] = seat
        return Change(seat, self._promote(), changed=True)

    def set_capacity(self, capacity: int) -> tuple[Seat, ...]:
        """New capacity; returns whoever it lets in from the waitlist."""
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._capacity = capacity
        return self._promote()

    def _promote(self) -> tuple[Seat, ...]:
        room = self._capacity - len(self.confirmed())
        moved = tuple(replace(s, status=REGISTERED) for s in self.waitlist()[: max(room, 0)])
        for seat in moved:
            self._seats[seat.key] = seat
        return moved

    def _with(self, status: RegistrationStatus) -> list[Seat]:
        return sorted(
            (s for s in self._seats.values() if s.status == status), key=lambda s: s.order
        )


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXY"
CODE_LENGTH = 8
_BASE = len(CODE_ALPHABET)  # 31, prime


def new_check_in_code(rng: Random | None = None, taken: Container[str] = ()) -> str:
    """A fresh code not in `taken` (pass the roadshow's existing codes)."""
    draw = rng or secrets.SystemRandom()
    while True:
        body = "".join(draw.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH - 1))
        code = body + _check_character(body)
        if code not in taken:
            return code


def normalise_check_in_code(text: str) -> str:
    """What people type (full-width, lower case, spaces, hyphens) as a bare code."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def is_valid_check_in_code(text: str) -> bool:
    code = normalise_check_in_code(text)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return False
    return _weighted_sum(code) % _BASE == 0


def format_check_in_code(code: str) -> str:
    """ABCD-EFGH, easier to read out at the door."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def _weighted_sum(code: str) -> int:
    return sum(position * CODE_ALPHABET.index(ch) for position, ch in enumerate(code, start=1))


def _check_character(body: str) -> str:
    # the check character sits at position CODE_LENGTH: solve CODE_LENGTH·c ≡ −Σ (mod 31)
    value = (-_weighted_sum(body) * pow(CODE_LENGTH, -1, _BASE)) % _BASE
    return CODE_ALPHABET[value]
