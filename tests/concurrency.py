"""Running one action on several threads released at the same moment (races)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(count: int, action: Callable[[], object], timeout: float = 60) -> list[BaseException]:
    """Run `action` on `count` threads behind one barrier; the errors they raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            action()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors
