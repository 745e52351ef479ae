"""runtime.settle_long_lived_objects: what a long-lived process keeps leaves the full
garbage collections, and garbage made before is not kept with it."""

from __future__ import annotations

import gc
import weakref

import pytest

from matchmaker import runtime


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _unfrozen_after():
    yield
    gc.unfreeze()


def test_objects_alive_at_settling_are_frozen_and_cycles_already_dead_are_freed() -> None:
    kept = [_Node() for _ in range(100)]
    dead = _Node()
    dead.other = _Node()
    dead.other.other = dead  # a reference cycle: only the collector frees it
    gone = weakref.ref(dead)
    del dead
    frozen_before = gc.get_freeze_count()

    runtime.settle_long_lived_objects()

    assert gone() is None  # collected first, not frozen forever
    assert gc.get_freeze_count() >= frozen_before + len(kept)
    assert not any(kept[0] is o for o in gc.get_objects())  # out of every generation
