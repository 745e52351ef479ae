"""Parse untrusted files in a child process with a time limit, a memory limit and a cap on how
many parse at once, so a small hostile file cannot pin the server.

A 5 KB spreadsheet that declares a million empty cells or a PDF whose pages share one huge
content stream costs seconds to minutes of CPU inside a parser; the bounds in the parsers cut
most of that, and this is the backstop for what they miss. The child comes from a fork server
(started once, without the web app's threads or the model), so starting one costs milliseconds.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

PARSE_SECONDS = 20.0
PARSE_MEMORY_BYTES = 1536 * 1024 * 1024
# parses at once in one server process; more wait for a free slot, up to QUEUE_SECONDS
PARALLEL = 2
QUEUE_SECONDS = 30.0

_slots = threading.BoundedSemaphore(PARALLEL)
_context = multiprocessing.get_context("forkserver")


class TooSlow(RuntimeError):
    """The parse ran past its time limit (`code` 'too_slow') or waited too long for a slot
    ('busy')."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _child(
    send: Connection, func: Callable[..., Any], args: tuple[Any, ...], seconds: float, memory: int
) -> None:
    # backstops in case the parent dies before it can kill this process
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        outcome = ("ok", func(*args))
    except MemoryError:
        outcome = ("error", TooSlow("too_large"))
    except Exception as exc:  # sent to the parent, which raises it there
        outcome = ("error", exc)
    send.send(outcome)
    send.close()


def call(
    func: Callable[..., T],
    *args: Any,
    seconds: float | None = None,
    memory: int | None = None,
) -> T:
    """`func(*args)` in a child process; its exceptions are raised here. `func` must be a
    module-level function and its arguments and result picklable."""
    seconds = PARSE_SECONDS if seconds is None else seconds
    memory = PARSE_MEMORY_BYTES if memory is None else memory
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise TooSlow("busy")
    try:
        receive, send = _context.Pipe(duplex=False)
        process = _context.Process(
            target=_child, args=(send, func, args, seconds, memory), daemon=True
        )
        process.start()
        send.close()
        try:
            if not receive.poll(seconds):
                raise TooSlow("too_slow")
            status, value = receive.recv()
        except EOFError:  # the child died without an answer (killed by a limit)
            raise TooSlow("too_large") from None
        finally:
            receive.close()
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
    finally:
        _slots.release()
    if status == "error":
        raise value
    return value
