"""Run a part of the generator's work on two CPU cores at once.

Rendering a thousand operations is about a quarter of a cold ``opsgen generate``. Each
operation renders on its own, so a forked child renders the second half of them while
the parent renders the first, and sends its files back through a pipe. The child shares
everything already loaded (the specs, the views, the compiled templates), so it starts in
a few milliseconds. When the child fails, the parent renders the child's half itself.
The work stays in one process where forking does not pay or is not safe: a small
project, one core, a platform other than Linux, or a process with other threads running.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Fewer items than this are not worth a child process.
MINIMUM_ITEMS = 200


def in_two_halves(work: Callable[[Sequence[Item]], Result], items: Sequence[Item]) -> list[Result]:
    """Return ``work`` applied to each half of ``items``, in order, with the second half in
    a forked child. Where forking does not pay, return ``[work(items)]``."""
    if not _may_fork(len(items)):
        return [work(items)]
    half = len(items) // 2
    first_half, second_half = items[:half], items[half:]

    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        os.close(reader)
        status = 1
        try:
            data = pickle.dumps(work(second_half), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            # No cleanup of the parent's state: no atexit handlers, no flushed buffers.
            os._exit(status)

    os.close(writer)
    received = b""
    with os.fdopen(reader, "rb") as pipe:
        try:
            first = work(first_half)
            received = pipe.read()
        finally:
            # Closing the pipe before the wait ends a child blocked on a full pipe.
            pipe.close()
            _, status = os.waitpid(child, 0)

    if status != 0 or not received:
        return [first, work(second_half)]
    second: Result = pickle.loads(received)
    return [first, second]


def _may_fork(count: int) -> bool:
    return (
        count >= MINIMUM_ITEMS
        and sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )
