"""Meeting slots in time: the event's wall-clock start in its IANA zone → instants in UTC.

Organisers give the start as local wall-clock time where the event is held (e.g. 09:00 in
Asia/Shanghai); everything after that is UTC instants, compared and stored as such, and turned
back into wall-clock time only for display, in whatever zone the viewer is in. Slots follow
elapsed time: a 20-minute slot lasts 20 minutes even when it crosses a daylight-saving change,
so on such a day the local clock shows a jump between two slots instead of a short slot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    index: int  # Meeting.slot_index
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC

    def in_zone(self, zone: str) -> tuple[datetime, datetime]:
        """Start and end as wall-clock times in `zone` (aware)."""
        tz = ZoneInfo(zone)
        return self.start.astimezone(tz), self.end.astimezone(tz)


def to_utc(local: datetime, zone: str, *, fold: int = 0) -> datetime:
    """A wall-clock time in `zone` as an aware UTC instant.

    Raises ValueError for a time the clocks skip (spring forward). A time that occurs twice
    (autumn) is the first occurrence, or the second with `fold=1`. An aware `local` is only
    converted.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    tz = ZoneInfo(zone)
    instant = local.replace(tzinfo=tz, fold=fold).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local:
        raise ValueError(f"{local:%Y-%m-%d %H:%M} does not exist in {zone} (clocks skip it)")
    return instant


def make_slots(
    start: datetime,
    count: int,
    length: timedelta,
    gap: timedelta = timedelta(0),
    *,
    pause_after: Mapping[int, timedelta] | None = None,
) -> list[Slot]:
    """`count` slots from the aware instant `start`, each `length` long, `gap` apart.

    `pause_after` adds a longer break after the given slot indices (e.g. lunch).
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware (use to_utc)")
    if count < 0 or length <= timedelta(0) or gap < timedelta(0):
        raise ValueError("count, length and gap must be non-negative, length positive")
    pauses = pause_after or {}
    slots: list[Slot] = []
    begin = start.astimezone(UTC)
    for index in range(count):
        slots.append(Slot(index, begin, begin + length))
        begin = begin + length + gap + pauses.get(index, timedelta(0))
    return slots


def slot_at(slots: Sequence[Slot], instant: datetime) -> Slot | None:
    """The slot running at `instant` (start inclusive, end exclusive), if any."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return next((s for s in slots if s.start <= instant < s.end), None)
