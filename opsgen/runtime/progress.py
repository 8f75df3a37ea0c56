"""Progress of a running execution: counted in memory, written out in the background.

An operation calls ``ctx.progress.set_total(n)`` once and ``ctx.progress.advance(k)`` as
it works. ``advance`` only adds to a counter and, every so many calls, reads the clock;
it never writes. When at least ``min_interval`` seconds have passed since the last
write, the current :class:`ProgressSnapshot` goes to a background thread that passes it
to the writer the runtime supplies. That writer updates the execution record in a short
transaction of its own, outside the operation's transaction, so other processes see the
progress while the operation runs. If the writer falls behind, only the newest snapshot
is kept. ``close()`` writes the final state and stops the thread.

The number of calls between clock reads adapts to the call rate, aiming at about ten
clock reads per ``min_interval`` whatever the loop's speed. A loop of a million cheap
items reads the clock a few dozen times, and a loop of slow items on every call.

Rate is items per second, smoothed exponentially over about ``RATE_WINDOW`` seconds;
ETA is the remaining items divided by that rate.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from opsgen.runtime.plural import counted

logger = logging.getLogger(__name__)

#: Time constant, in seconds, of the exponential smoothing of the rate.
RATE_WINDOW = 5.0

#: Clock reads per write interval that the adaptive call counter aims for.
CHECKS_PER_INTERVAL = 10

#: Upper bound on the calls between two clock reads.
MAX_CALLS_BETWEEN_CHECKS = 100_000


@dataclass(frozen=True)
class ProgressSnapshot:
    """Progress at one moment: what a writer stores and a reader shows.

    Times are Unix timestamps in seconds. ``rate`` is items per second, or ``None``
    before there is anything to measure.
    """

    total: int | None
    done: int
    message: str | None
    started_at: float
    updated_at: float
    rate: float | None = None

    @property
    def fraction(self) -> float | None:
        """Share of the total done, from 0 to 1, or ``None`` without a total."""
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))

    @property
    def eta(self) -> float | None:
        """Estimated seconds until ``done`` reaches ``total``, or ``None`` when unknown."""
        if self.total is None or not self.rate or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    @property
    def elapsed(self) -> float:
        return max(0.0, self.updated_at - self.started_at)


ProgressWriter = Callable[[ProgressSnapshot], None]


class RateEstimator:
    """Items per second from successive ``(time, done)`` observations.

    During the first ``window`` seconds the rate is the plain average since the first
    observation. After that it is smoothed exponentially with ``window`` as the time
    constant, so it follows a loop that speeds up or slows down. Both the counting side
    and a reader that polls the stored progress use it.
    """

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self.window = window
        self.rate: float | None = None
        self._first_time: float | None = None
        self._first_done = 0
        self._last_time = 0.0
        self._last_done = 0

    def observe(self, now: float, done: int) -> float | None:
        """Add an observation and return the updated rate."""
        if self._first_time is None:
            self._first_time, self._first_done = now, done
            self._last_time, self._last_done = now, done
            return self.rate
        elapsed = now - self._last_time
        if elapsed <= 0:
            return self.rate

        since_first = now - self._first_time
        if since_first < self.window or self.rate is None:
            self.rate = (done - self._first_done) / since_first
        else:
            instant = (done - self._last_done) / elapsed
            weight = 1.0 - math.exp(-elapsed / self.window)
            self.rate += weight * (instant - self.rate)
        self._last_time, self._last_done = now, done
        return self.rate


class Progress:
    """The progress counter of one execution (``ctx.progress``).

    With ``background=False`` the writer runs in the calling thread, at most once per
    ``min_interval``, which suits a writer that only queues the snapshot somewhere.

    Not thread-safe for concurrent ``advance`` calls from several threads: counts may be
    lost, as with any unlocked ``+=``. Writer errors are logged and never reach the
    operation.
    """

    def __init__(
        self,
        writer: ProgressWriter | None = None,
        *,
        min_interval: float = 0.5,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.total: int | None = None
        self.done = 0
        self.message: str | None = None
        self.min_interval = min_interval
        self.background = background
        self._writer = writer
        self._clock = clock
        self._wall_clock = wall_clock
        self._started = clock()
        self._started_at = wall_clock()
        self._rate = RateEstimator()
        self._rate.observe(self._started, 0)
        self._countdown = 1
        self._batch = 1
        self._last_check = self._started
        self._last_write = -math.inf
        self._written: ProgressSnapshot | None = None
        self._flusher: _BackgroundWriter | None = None

    def set_total(self, total: int) -> None:
        """Set the number of items to do; written out at once."""
        if total < 0:
            raise ValueError(f"progress total must not be negative, got {total}")
        self.total = total
        self._write(self._clock())

    def advance(self, k: int = 1, message: str | None = None) -> None:
        """Count ``k`` more items done, with an optional status message."""
        self.done += k
        if message is not None:
            self.message = message
        self._countdown -= 1
        if self._countdown <= 0:
            self._check()

    @property
    def rate(self) -> float | None:
        """Items per second, smoothed over about the last ``RATE_WINDOW`` seconds."""
        return self._rate.observe(self._clock(), self.done)

    @property
    def eta(self) -> float | None:
        """Estimated seconds left, or ``None`` without a total or a rate."""
        return self.snapshot().eta

    def snapshot(self) -> ProgressSnapshot:
        """Return the current progress (reads the clock)."""
        now = self._clock()
        return ProgressSnapshot(
            total=self.total,
            done=self.done,
            message=self.message,
            started_at=self._started_at,
            updated_at=self._started_at + (now - self._started),
            rate=self._rate.observe(now, self.done),
        )

    def flush(self) -> None:
        """Hand the current state to the writer now, unless it was written already."""
        self._write(self._clock())

    def close(self, timeout: float = 5.0) -> None:
        """Write the final state and wait up to ``timeout`` seconds for the writer to finish."""
        self.flush()
        if self._flusher is not None:
            self._flusher.stop(timeout)
            self._flusher = None

    def _check(self) -> None:
        """Read the clock, resize the next batch of calls, and write when the interval passed."""
        now = self._clock()
        elapsed = now - self._last_check
        if elapsed > 0:
            calls_per_second = self._batch / elapsed
            batch = int(calls_per_second * self.min_interval / CHECKS_PER_INTERVAL)
            self._batch = max(1, min(MAX_CALLS_BETWEEN_CHECKS, batch))
        else:
            self._batch = min(MAX_CALLS_BETWEEN_CHECKS, self._batch * 2)
        self._countdown = self._batch
        self._last_check = now

        if now - self._last_write >= self.min_interval:
            self._write(now)

    def _write(self, now: float) -> None:
        if self._writer is None:
            return
        snapshot = ProgressSnapshot(
            total=self.total,
            done=self.done,
            message=self.message,
            started_at=self._started_at,
            updated_at=self._started_at + (now - self._started),
            rate=self._rate.observe(now, self.done),
        )
        if self._written is not None and replace(self._written, updated_at=snapshot.updated_at, rate=snapshot.rate) == snapshot:
            return
        self._last_write = now
        self._written = snapshot
        if not self.background:
            _call_writer(self._writer, snapshot)
            return
        if self._flusher is None:
            self._flusher = _BackgroundWriter(self._writer)
        self._flusher.submit(snapshot)


class _BackgroundWriter:
    """A daemon thread that passes the newest submitted snapshot to the writer."""

    def __init__(self, writer: ProgressWriter) -> None:
        self._writer = writer
        self._condition = threading.Condition()
        self._pending: ProgressSnapshot | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="opsgen-progress-writer", daemon=True)
        self._thread.start()

    def submit(self, snapshot: ProgressSnapshot) -> None:
        with self._condition:
            self._pending = snapshot
            self._condition.notify_all()

    def stop(self, timeout: float) -> None:
        """Write what is pending, then end the thread; give up after ``timeout`` seconds."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("progress writer still busy after %.3g s; the last progress update may be missing", timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                snapshot, self._pending = self._pending, None
                if snapshot is None:
                    return
            _call_writer(self._writer, snapshot)


_failures = 0


def _call_writer(writer: ProgressWriter, snapshot: ProgressSnapshot) -> None:
    """Call ``writer``; log its errors, once for the first and then every hundredth."""
    global _failures
    try:
        writer(snapshot)
    except Exception:
        _failures += 1
        if _failures % 100 == 1:
            logger.exception("writing progress failed (%s in this process)", counted(_failures, "failure"))
