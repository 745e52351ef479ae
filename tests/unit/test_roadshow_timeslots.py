from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.roadshows.planning.timeslots import make_slots, slot_at, to_utc

MIN = timedelta(minutes=1)


def hm(moment: datetime) -> str:
    return f"{moment:%m-%d %H:%M%z}"


def test_shanghai_event_in_utc_and_seen_from_elsewhere() -> None:
    start = to_utc(datetime(2025, 6, 12, 9, 0), "Asia/Shanghai")
    assert start == datetime(2025, 6, 12, 1, 0, tzinfo=UTC)
    slots = make_slots(start, 3, 20 * MIN, 5 * MIN)
    assert [(hm(s.start), hm(s.end)) for s in slots] == [
        ("06-12 01:00+0000", "06-12 01:20+0000"),
        ("06-12 01:25+0000", "06-12 01:45+0000"),
        ("06-12 01:50+0000", "06-12 02:10+0000"),
    ]
    assert [hm(t) for t in slots[0].in_zone("Asia/Shanghai")] == [
        "06-12 09:00+0800",
        "06-12 09:20+0800",
    ]
    assert hm(slots[0].in_zone("Europe/Berlin")[0]) == "06-12 03:00+0200"
    assert hm(slots[2].in_zone("America/New_York")[1]) == "06-11 22:10-0400"


def test_lunch_break_and_running_slot() -> None:
    start = to_utc(datetime(2025, 6, 12, 10, 0), "Asia/Shanghai")
    slots = make_slots(start, 4, 30 * MIN, pause_after={1: 90 * MIN})
    local = [hm(s.in_zone("Asia/Shanghai")[0]) for s in slots]
    assert local == ["06-12 10:00+0800", "06-12 10:30+0800", "06-12 12:30+0800", "06-12 13:00+0800"]
    assert slot_at(slots, slots[2].start) == slots[2]
    assert slot_at(slots, slots[1].end) is None  # lunch
    assert slot_at(slots, slots[3].end - MIN) == slots[3]
    with pytest.raises(ValueError):
        slot_at(slots, datetime(2025, 6, 12, 12, 0))


def test_slots_cross_the_spring_forward_in_berlin_with_full_length() -> None:
    start = to_utc(datetime(2025, 3, 30, 1, 30), "Europe/Berlin")  # clocks jump 02:00 → 03:00
    assert start == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    slots = make_slots(start, 3, 30 * MIN)
    assert all(s.end - s.start == 30 * MIN for s in slots)
    assert [hm(s.in_zone("Europe/Berlin")[0]) for s in slots] == [
        "03-30 01:30+0100",
        "03-30 03:00+0200",
        "03-30 03:30+0200",
    ]


def test_times_skipped_or_repeated_by_the_clock() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        to_utc(datetime(2025, 3, 30, 2, 30), "Europe/Berlin")
    # 02:30 happens twice on 26 October: first in summer time, then in winter time
    first = to_utc(datetime(2025, 10, 26, 2, 30), "Europe/Berlin")
    second = to_utc(datetime(2025, 10, 26, 2, 30), "Europe/Berlin", fold=1)
    assert (first.hour, first.minute, second.hour, second.minute) == (0, 30, 1, 30)
    slots = make_slots(to_utc(datetime(2025, 10, 26, 1, 30), "Europe/Berlin"), 3, 30 * MIN)
    assert [hm(s.in_zone("Europe/Berlin")[0]) for s in slots] == [
        "10-26 01:30+0200",
        "10-26 02:00+0200",
        "10-26 02:30+0200",
    ]
    assert hm(slots[2].in_zone("Europe/Berlin")[1]) == "10-26 02:00+0100"  # ends "before" it starts


def test_berlin_viewer_of_a_shanghai_event_on_the_dst_change_day() -> None:
    # Shanghai has no DST; Berlin switches at 01:00 UTC, between these two slots
    start = to_utc(datetime(2025, 3, 30, 8, 30), "Asia/Shanghai")
    first, second = make_slots(start, 2, 30 * MIN)
    assert [hm(first.in_zone("Asia/Shanghai")[0]), hm(second.in_zone("Asia/Shanghai")[0])] == [
        "03-30 08:30+0800",
        "03-30 09:00+0800",
    ]
    assert [hm(first.in_zone("Europe/Berlin")[0]), hm(second.in_zone("Europe/Berlin")[0])] == [
        "03-30 01:30+0100",
        "03-30 03:00+0200",
    ]


def test_aware_starts_and_bad_arguments() -> None:
    aware = datetime(2025, 6, 12, 9, 0, tzinfo=UTC)
    assert to_utc(aware, "Asia/Shanghai") == aware
    with pytest.raises(ValueError, match="aware"):
        make_slots(datetime(2025, 6, 12, 9, 0), 2, 20 * MIN)
    with pytest.raises(ValueError):
        make_slots(aware, 2, timedelta(0))
    assert make_slots(aware, 0, 20 * MIN) == []
