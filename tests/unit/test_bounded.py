"""Parsing untrusted files in a child process with time, memory and concurrency limits."""

from __future__ import annotations

import threading
import time

import pytest

from matchmaker.core import bounded
from matchmaker.importing.tables import TableError
from tests import factories


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "finished"


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def refuse(code: str) -> None:
    raise TableError(code, max=5000)


def test_the_result_comes_back_from_the_child() -> None:
    assert bounded.call(spin, 0.0, seconds=30) == "finished"


def test_a_parse_past_its_time_limit_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(bounded.TooSlow) as caught:
        bounded.call(spin, 60.0, seconds=1.0)
    assert caught.value.code == "too_slow"
    assert time.monotonic() - started < 15  # not the 60 s the parse wanted


def test_a_parse_past_its_memory_limit_is_stopped() -> None:
    with pytest.raises(bounded.TooSlow) as caught:
        bounded.call(allocate, 2048, seconds=30, memory=512 * 1024 * 1024)
    assert caught.value.code == "too_large"


def test_the_childs_error_is_raised_with_its_details() -> None:
    with pytest.raises(TableError) as caught:
        bounded.call(refuse, "too_many_rows", seconds=30)
    assert caught.value.code == "too_many_rows"
    assert caught.value.params == {"max": 5000}


def test_parses_beyond_the_parallel_limit_wait_for_a_slot(monkeypatch) -> None:
    monkeypatch.setattr(bounded, "QUEUE_SECONDS", 0.5)
    monkeypatch.setattr(bounded, "_slots", threading.BoundedSemaphore(1))
    holder = threading.Thread(target=bounded.call, args=(spin, 3.0), kwargs={"seconds": 30})
    holder.start()
    time.sleep(0.3)
    try:
        with pytest.raises(bounded.TooSlow) as caught:
            bounded.call(spin, 0.0, seconds=30)
        assert caught.value.code == "busy"
    finally:
        holder.join()
    assert bounded.call(spin, 0.0, seconds=30) == "finished"  # the slot is free again


def test_a_spreadsheet_that_reads_too_long_is_refused_with_its_reason(session, monkeypatch) -> None:
    from matchmaker.importing import operations as importing
    from matchmaker.models import Role

    monkeypatch.setattr(bounded, "PARSE_SECONDS", 0.001)
    researcher = factories.user(session, Role.RESEARCHER)
    with pytest.raises(TableError) as caught:
        importing.preview(session, researcher, "成果名称\n甲\n".encode(), "a.csv")
    assert caught.value.code == "too_slow"
