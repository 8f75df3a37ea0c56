"""The parts every lock backend shares: the held-lock handle, the errors and lease renewal.

A backend takes a set of keys for one owner (an execution id). The keys are sorted and
deduplicated before anything is taken, so every caller takes them in the same global
order and two operations that share keys cannot wait on each other in a cycle.

Each key is held under a lease. While the holder is alive, one daemon thread per backend
renews the leases of every held set at a third of their length. A holder that dies stops
renewing, and its keys become free once the lease runs out. Renewal never looks at how
long a holder has been running, so a slow but live holder keeps its locks.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import random
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)


class LockError(Exception):
    """Base class of the lock errors."""


class LockTimeout(LockError):
    """A lock could not be taken within its timeout.

    ``holder`` is the owner (the execution id) that held ``key`` when the wait ended, or
    ``None`` when the backend could not tell, for example because the holder released it
    between the last attempt and the look-up.
    """

    def __init__(self, key: str, holder: str | None, timeout: float) -> None:
        self.key = key
        self.holder = holder
        self.timeout = timeout
        held_by = f"execution {holder}" if holder else "an unknown holder"
        super().__init__(
            f"timed out after {timeout:g} s waiting for lock {key!r}, held by {held_by}; "
            "retry later, or raise the lock's timeout if holders normally run longer. A holder "
            "whose process died keeps the lock until its lease runs out (`opsgen ops show` on "
            "the holder's id tells whether it is still running)"
        )


class LockLost(LockError):
    """A held lock stopped belonging to its holder before release.

    This happens when lease renewal failed for longer than the lease (a stalled process,
    a lost connection), so another owner may have taken the key since.
    """

    def __init__(self, keys: Sequence[str], owner: str) -> None:
        self.keys = tuple(keys)
        self.owner = owner
        super().__init__(
            f"execution {owner} lost lock(s) {', '.join(map(repr, keys))}: the lease expired "
            "before it could be renewed, so another execution may hold them now"
        )


class LockUnavailable(LockError):
    """The lock backend could not be reached or used, so the keys were not taken.

    ``location`` is the backend's URL (or file) with any password hidden, ``keys`` the
    keys the call asked for, and ``__cause__`` the client library's error. The message
    names all three and what to check.
    """

    def __init__(self, backend: LockBackend, keys: Sequence[str], error: BaseException) -> None:
        self.backend_name = backend.name
        self.location = backend.location
        self.keys = tuple(keys)
        self.error_type = f"{type(error).__module__}.{type(error).__qualname__}"
        reason = str(error).strip().rstrip(".")
        problem = f"the {backend.name} lock backend at {backend.location} is unavailable ({type(error).__name__}: {reason})"
        if self.keys:
            problem = f"cannot take lock {', '.join(map(repr, self.keys))}: {problem}"
        super().__init__(f"{problem}; {backend.unavailable_hint}")


def order_keys(keys: Iterable[str]) -> tuple[str, ...]:
    """Return ``keys`` deduplicated and sorted: the one global order every backend uses."""
    if isinstance(keys, (list, tuple)) and len(keys) == 1:
        ordered = tuple(keys)  # the common case: nothing to sort
    else:
        ordered = tuple(sorted(set(keys)))
    for key in ordered:
        if not key:
            raise ValueError("a lock key must not be empty")
    return ordered


#: Called with the key a lock acquisition is about to wait for.
WaitHook = Callable[[str], None]


class WaitNotice:
    """Calls a :data:`WaitHook` the first time an acquisition has to wait, and never again."""

    def __init__(self, hook: WaitHook | None, timeout: float) -> None:
        # A single attempt (timeout 0) never waits, so it never announces one.
        self._hook = hook if timeout > 0 else None

    def waiting(self, key: str) -> None:
        """Note that the acquisition waits for ``key``.

        The hook only reports the wait: an error it raises is logged and never breaks
        off the acquisition, which would leave the keys taken so far held.
        """
        hook, self._hook = self._hook, None
        if hook is None:
            return
        try:
            hook(key)
        except Exception:  # noqa: BLE001 - reporting a wait must not cost the locks already taken
            logger.exception("reporting the wait for lock %s failed", key)


class Backoff:
    """Delays between attempts: doubling from ``first`` up to ``maximum``, with jitter.

    The jitter keeps processes that were woken by the same release from retrying in
    lockstep.
    """

    def __init__(self, first: float = 0.002, maximum: float = 0.05) -> None:
        self._delay = first
        self._maximum = maximum

    def sleep(self, deadline: float) -> bool:
        """Sleep until the next attempt; return ``False`` when ``deadline`` has already passed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, self._delay * random.uniform(0.5, 1.0)))
        self._delay = min(self._maximum, self._delay * 2)
        return True


class HeldLocks:
    """The keys one owner holds, released on ``release()`` or on leaving the ``with`` block.

    ``fencing_tokens`` maps each key to a number that grows every time the key changes
    hands (empty on backends without tokens). Pass it to a storage that rejects writes
    carrying a token lower than one it has seen, and a holder that lost its lock cannot
    overwrite the work of the next one.

    ``lost`` turns true when lease renewal found a key taken or expired. ``check()``
    raises :class:`LockLost` in that case; call it before a write that must not happen
    without the lock.
    """

    def __init__(
        self,
        backend: LockBackend,
        keys: tuple[str, ...],
        owner: str,
        lease: float,
        fencing_tokens: Mapping[str, int] | None = None,
        state: Any = None,
    ) -> None:
        self.backend = backend
        self.keys = keys
        self.owner = owner
        self.lease = lease
        self.fencing_tokens: Mapping[str, int] = dict(fencing_tokens or {})
        #: What the backend needs to release and renew: a random value, a connection.
        self.state = state
        self.acquired_at = time.monotonic()
        self._lost = False
        self._released = False
        # Serialises renewal with release, because some backends share one connection.
        self.io_lock = threading.Lock()

    @property
    def lost(self) -> bool:
        return self._lost

    @property
    def released(self) -> bool:
        return self._released

    def check(self) -> None:
        """Raise :class:`LockLost` when renewal found that these locks are no longer held."""
        if self._lost:
            raise LockLost(self.keys, self.owner)

    def mark_lost(self) -> None:
        if not self._lost:
            self._lost = True
            logger.error(
                "execution %s lost lock(s) %s: lease renewal failed, another execution may hold them",
                self.owner,
                ", ".join(self.keys),
            )

    def release(self) -> None:
        """Release every key in reverse order of acquisition; a second call does nothing."""
        if self._released:
            return
        self._released = True
        self.backend.renewer.unregister(self)
        if not self.keys:
            return
        with self.io_lock:
            try:
                self.backend._release(self)
            except self.backend.unavailable_errors as exc:
                # The holder's work is done, and raising here would lose its result; the
                # keys free themselves when their lease ends.
                logger.warning(
                    "releasing lock(s) %s of execution %s failed, so they stay taken until their lease of %g s "
                    "ends: the %s lock backend at %s is unavailable: %s: %s",
                    ", ".join(self.keys), self.owner, self.lease, self.backend.name, self.backend.location,
                    type(exc).__name__, exc,
                )

    def __enter__(self) -> HeldLocks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held"
        if self._lost:
            state = "lost"
        elif self._released:
            state = "released"
        return f"<HeldLocks {list(self.keys)} owner={self.owner} {state}>"


class LeaseRenewer:
    """One daemon thread that renews the leases of every held set of one backend.

    A set is renewed every third of its lease. The thread starts on the first
    registration and sleeps while nothing is held. A renewal that finds the keys gone
    marks the set lost. A renewal that raises is retried at the next interval while the
    lease may still be running, and marks the set lost after that.
    """

    def __init__(self, backend: LockBackend) -> None:
        self._backend = backend
        # A plain lock under the condition: the hot paths enter it directly, which costs
        # less than entering the condition.
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)
        self._due: list[tuple[float, int, HeldLocks]] = []
        self._registered: dict[int, HeldLocks] = {}
        self._last_renewed: dict[int, float] = {}
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def register(self, held: HeldLocks) -> None:
        now = time.monotonic()
        due = now + held.lease / 3
        with self._lock:
            self._registered[id(held)] = held
            self._last_renewed[id(held)] = now
            # The thread sleeps until the earliest due time, so it needs a wake-up only
            # when this set is due before that.
            wake = not self._due or due < self._due[0][0]
            heapq.heappush(self._due, (due, next(self._sequence), held))
            if len(self._due) > 2 * len(self._registered) + 64:
                self._drop_released()
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="opsgen-lease-renewer", daemon=True)
                self._thread.start()
            elif wake:
                self._condition.notify()

    def _drop_released(self) -> None:
        """Remove heap entries of sets released since they were scheduled."""
        self._due = [entry for entry in self._due if self._registered.get(id(entry[2])) is entry[2]]
        heapq.heapify(self._due)

    def unregister(self, held: HeldLocks) -> None:
        with self._lock:
            self._registered.pop(id(held), None)
            self._last_renewed.pop(id(held), None)

    def held_sets(self) -> list[HeldLocks]:
        """Return the held sets whose leases are being renewed."""
        with self._lock:
            return list(self._registered.values())

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def _next_due(self) -> HeldLocks | None:
        """Wait for the next set due for renewal; ``None`` when the renewer is stopping."""
        with self._condition:
            while not self._stopping:
                if not self._due:
                    self._condition.wait()
                    continue
                # Entries of released sets stay until due, so that a release never
                # empties the heap and makes the next registration wake this thread.
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, _, held = heapq.heappop(self._due)
                if self._registered.get(id(held)) is held:
                    return held
            return None

    def _run(self) -> None:
        while True:
            held = self._next_due()
            if held is None:
                return
            self._renew(held)

    def _renew(self, held: HeldLocks) -> None:
        renewed = False
        with held.io_lock:
            if held.released:
                return
            try:
                renewed = self._backend._renew(held)
            except Exception:
                logger.exception("renewing lock(s) %s of execution %s failed", ", ".join(held.keys), held.owner)
                since = time.monotonic() - self._last_renewed.get(id(held), held.acquired_at)
                renewed = since < held.lease
                if renewed:
                    # Keep the set; the next renewal may succeed while the lease still runs.
                    self._schedule(held)
                    return
        if not renewed:
            held.mark_lost()
            self.unregister(held)
            return
        with self._condition:
            if id(held) in self._registered:
                self._last_renewed[id(held)] = time.monotonic()
        self._schedule(held)

    def _schedule(self, held: HeldLocks) -> None:
        with self._condition:
            if self._registered.get(id(held)) is held:
                heapq.heappush(self._due, (time.monotonic() + held.lease / 3, next(self._sequence), held))
                self._condition.notify()


class LockBackend(ABC):
    """A place where locks live: SQLite, PostgreSQL or Redis.

    Subclasses implement ``_acquire_ordered``, ``_release`` and ``_renew``; callers use
    :meth:`acquire_many`, :meth:`try_acquire` and :meth:`holder`. A backend is safe to
    share between threads of one process; every process opens its own.
    """

    #: The URL scheme family, for messages: ``sqlite``, ``postgresql`` or ``redis``.
    name: str = ""

    #: The backend's URL or file with any password hidden, for messages.
    location: str = ""

    #: Errors of the client library that mean the backend cannot be reached or used.
    #: :meth:`acquire_many` raises them as :class:`LockUnavailable`.
    unavailable_errors: tuple[type[Exception], ...] = ()

    #: What to check when the backend is unavailable, the end of the
    #: :class:`LockUnavailable` message.
    unavailable_hint: str = ""

    def __init__(self) -> None:
        self.renewer = LeaseRenewer(self)
        _open_backends.add(self)

    def _after_fork(self) -> None:
        """Start over in a forked child: the parent's renewer thread does not exist there.

        Subclasses also drop connections inherited from the parent, without closing
        them, because closing would end the parent's sessions too.
        """
        self.renewer = LeaseRenewer(self)

    def acquire_many(
        self,
        keys: Sequence[str],
        *,
        timeout: float,
        lease: float,
        owner: str,
        on_wait: WaitHook | None = None,
    ) -> HeldLocks:
        """Take every key for ``owner``, in the global order, waiting up to ``timeout`` seconds in all.

        Returns a :class:`HeldLocks` whose leases are renewed until it is released. On
        timeout, keys taken so far are released and :class:`LockTimeout` names the key
        that was not free and its holder. A ``timeout`` of 0 makes one attempt per key.
        ``on_wait`` is called with the key once, when the first key that is not free
        makes the call wait; never when every key is free at once. When the backend
        cannot be reached (a server that is down, a file that cannot be opened) it
        raises :class:`LockUnavailable`. On Redis a key taken before the failure is not
        released: it frees itself when its lease ends.
        """
        if lease <= 0:
            raise ValueError(f"lease must be positive, got {lease!r}")
        if timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout!r}")
        if not owner:
            raise ValueError("owner must be a non-empty execution id")
        ordered = order_keys(keys)
        if not ordered:
            return HeldLocks(self, ordered, owner, lease)
        try:
            held = self._acquire_ordered(ordered, timeout=timeout, lease=lease, owner=owner, on_wait=on_wait)
        except self.unavailable_errors as exc:
            raise LockUnavailable(self, ordered, exc) from exc
        self.renewer.register(held)
        return held

    def try_acquire(self, keys: Sequence[str], *, lease: float, owner: str) -> HeldLocks:
        """Take every key now or raise :class:`LockTimeout` (with a timeout of 0) naming the holder."""
        return self.acquire_many(keys, timeout=0, lease=lease, owner=owner)

    @abstractmethod
    def holder(self, key: str) -> str | None:
        """Return the owner currently holding ``key``, or ``None`` when it is free."""

    def close(self) -> None:
        """Release every lock still held through this backend, stop renewal and close connections.

        A release that fails is logged and left to its lease.
        """
        for held in self.renewer.held_sets():
            try:
                held.release()
            except Exception:
                logger.exception("releasing lock(s) %s of execution %s on close failed", ", ".join(held.keys), held.owner)
        self.renewer.stop()

    @abstractmethod
    def _acquire_ordered(
        self, keys: tuple[str, ...], *, timeout: float, lease: float, owner: str, on_wait: WaitHook | None = None
    ) -> HeldLocks:
        """Take ``keys`` (already ordered) or raise :class:`LockTimeout` with nothing held.

        Calls ``on_wait`` (see :meth:`acquire_many`) through :class:`WaitNotice`.
        """

    @abstractmethod
    def _release(self, held: HeldLocks) -> None:
        """Release ``held`` in reverse order; keys already lost are skipped without error."""

    @abstractmethod
    def _renew(self, held: HeldLocks) -> bool:
        """Extend every lease of ``held``; return ``False`` when any key is no longer held."""

    def __enter__(self) -> LockBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


#: Backends of this process, reset in the child after ``os.fork()``.
_open_backends: weakref.WeakSet[LockBackend] = weakref.WeakSet()

#: Connections inherited from a parent process. They are kept referenced and never
#: closed, because closing a PostgreSQL connection sends the server a termination
#: message that would end the parent's session.
inherited_connections: list[object] = []


def _reset_after_fork() -> None:
    for backend in list(_open_backends):
        backend._after_fork()


if hasattr(os, "register_at_fork"):
    # Celery's prefork pool and similar servers fork after the application imported opsgen.
    os.register_at_fork(after_in_child=_reset_after_fork)
