"""Locks held until the application's Django ``atomic`` block ends.

An operation called inside an ``atomic`` block that the application opened (a view's,
one of ``ATOMIC_REQUESTS``, or any other) writes into that block's transaction. Its
writes become visible to other connections only when the block commits. A lock released
when the operation returns would let another process take the key and read the rows as
they were before, then overwrite them: a lost update. So the Django runtime keeps such
locks until the block ends.

After a commit, Django runs the ``on_commit`` callback that releases them. After a
rollback, Django drops that callback without a word. So a missing callback marks a
rollback, and three places release the locks whose callback is gone: the thread's
next call, the end of its request, and a sweeper thread that looks twice a second.
Releasing late after a rollback is safe, because nothing written under the locks
survived it.

Later calls in the same block reuse the kept keys without waiting for them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

from opsgen.integrations.django.database import opened_by_application
from opsgen.runtime.locks.base import HeldLocks

logger = logging.getLogger(__name__)

#: Seconds between two looks of the sweeper for locks whose block rolled back.
SWEEP_INTERVAL = 0.5


class _KeptSet:
    """One set of locks waiting for the end of the atomic block of ``connection``."""

    def __init__(self, locks: HeldLocks, connection: Any) -> None:
        self.locks = locks
        self.connection = connection
        self.ended = False
        self._releasing = threading.Lock()

    def committed(self) -> None:
        """The ``on_commit`` callback: the block committed, so release the locks."""
        self.release()

    def dropped(self) -> bool:
        """Return whether Django dropped the callback: the block, or a savepoint around the call, rolled back.

        While Django runs the callbacks of a commit, the ones still to run are missing
        from ``run_on_commit`` too. Releasing those early is safe, because the commit
        has happened.
        """
        if self.ended:
            return False
        callback = self.committed
        return not any(entry[1] == callback for entry in list(self.connection.run_on_commit))

    def release(self) -> None:
        with self._releasing:
            if self.ended:
                return
            self.ended = True
        try:
            self.locks.release()
        except Exception:  # noqa: BLE001 - the lease frees what could not be released
            logger.exception("releasing lock(s) %s of execution %s failed", ", ".join(self.locks.keys), self.locks.owner)


class AtomicLockKeeper:
    """Keeps the locks of calls made inside an application's atomic block until it ends.

    ``engine`` is the runtime's engine on Django's connection ``using``. The keeper is
    the runtime's ``outer_lock_keeper``; see the module's documentation.
    """

    def __init__(self, engine: Engine, using: str) -> None:
        self._engine = engine
        self._using = using
        self._kept: list[_KeptSet] = []
        self._guard = threading.Lock()
        self._wake = threading.Condition(self._guard)
        self._sweeper: threading.Thread | None = None
        self._stopping = False

    def _connection(self) -> Any:
        from django.db import connections  # type: ignore[import-untyped]

        return connections[self._using]

    def held_keys(self) -> frozenset[str]:
        self.sweep()
        connection = self._connection()
        if not opened_by_application(self._engine, connection):
            return frozenset()
        with self._guard:
            return frozenset(key for kept in self._kept if kept.connection is connection for key in kept.locks.keys)

    def keep(self, locks: HeldLocks) -> bool:
        from django.db import transaction

        connection = self._connection()
        if not opened_by_application(self._engine, connection):
            return False
        kept = _KeptSet(locks, connection)
        transaction.on_commit(kept.committed, using=self._using)
        with self._guard:
            self._kept.append(kept)
            if self._sweeper is None:
                self._stopping = False
                self._sweeper = threading.Thread(target=self._sweep_while_kept, name="opsgen-django-locks", daemon=True)
                self._sweeper.start()
        return True

    def sweep(self) -> None:
        """Forget the sets whose block committed, and release those whose block rolled back."""
        with self._guard:
            if not self._kept:
                return
            dropped = [kept for kept in self._kept if kept.dropped()]
            self._kept = [kept for kept in self._kept if not kept.ended and kept not in dropped]
        for kept in dropped:
            kept.release()

    def release_for_thread(self, **_signal: Any) -> None:
        """Release the sets of this thread's connection whose block has ended; for ``request_finished``."""
        self.sweep()

    def stop(self) -> None:
        """Stop the sweeper thread; kept sets stay until their block ends."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
            sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and sweeper is not threading.current_thread():
            sweeper.join(timeout=5)

    def _sweep_while_kept(self) -> None:
        while True:
            with self._wake:
                self._wake.wait(SWEEP_INTERVAL)
                if self._stopping:
                    return
                if not self._kept:
                    self._sweeper = None
                    return
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - a sweep that fails is tried again
                logger.exception("checking the atomic blocks of kept locks failed")
