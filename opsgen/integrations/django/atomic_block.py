"""The application's Django ``atomic`` block, as the runtime's outer transaction.

An operation called inside an ``atomic`` block that the application opened (a view's,
one of ``ATOMIC_REQUESTS``, or any other) writes into that block's transaction. Its
writes become visible to other connections only when the block commits, and they are
gone if it rolls back. So the Django runtime (see
:mod:`opsgen.runtime.outer_transaction`):

- keeps the locks of such a call until the block ends, and lets later calls in the
  block reuse them. A lock released when the call returns would let another process
  read the rows as they were and overwrite them;
- writes the record of a call that failed on a connection of its own, so that the
  failure stays in the log when the view then rolls the block back;
- writes the records of calls that succeeded again, as failed with
  ``transaction_rolled_back``, when the block rolls back after they returned.

After a commit, Django runs the ``on_commit`` callback registered for each of these.
After a rollback, Django drops that callback without a word. So a missing callback
marks a rollback, and three places act on it: the thread's next call, the end of its
request, and a sweeper thread that looks twice a second. Acting late after a rollback
is safe: nothing written in the block survived it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select

from opsgen.integrations.django.database import opened_by_application
from opsgen.runtime.locks.base import HeldLocks
from opsgen.runtime.outer_transaction import rolled_back
from opsgen.runtime.schema import ExecutionStatus, executions
from opsgen.runtime.store import ExecutionRecord, ExecutionStore, utcnow

logger = logging.getLogger(__name__)

#: Seconds between two looks of the sweeper for blocks that rolled back.
SWEEP_INTERVAL = 0.5


class _BlockWaiter:
    """Something waiting for the end of the atomic block of ``connection``.

    ``committed`` runs after the block commits, ``rolled_back`` after it rolls back.
    """

    def __init__(
        self, connection: Any, committed: Callable[[], None], rolled_back: Callable[[], None], description: str
    ) -> None:
        self.connection = connection
        self.ended = False
        self.keys: frozenset[str] = frozenset()
        self._committed = committed
        self._rolled_back = rolled_back
        self._description = description
        self._ending = threading.Lock()

    def on_commit(self) -> None:
        """The ``on_commit`` callback: the block committed."""
        self._end(self._committed)

    def dropped(self) -> bool:
        """Return whether Django dropped the callback: the block, or a savepoint around the call, rolled back.

        While Django runs the callbacks of a commit, the ones still to run are missing
        from ``run_on_commit`` too, so ``rolled_back`` must hold after a commit as well:
        releasing locks does, and the records check the log first.
        """
        if self.ended:
            return False
        callback = self.on_commit
        return not any(entry[1] == callback for entry in list(self.connection.run_on_commit))

    def end_dropped(self) -> None:
        self._end(self._rolled_back)

    def _end(self, action: Callable[[], None]) -> None:
        with self._ending:
            if self.ended:
                return
            self.ended = True
        try:
            action()
        except Exception:  # noqa: BLE001 - a callback must not break Django's commit
            logger.exception("settling %s after the application's atomic block ended failed", self._description)


class ApplicationBlock:
    """The runtime's outer transaction on Django's connection ``using``; see the module.

    ``engine`` is the runtime's engine on that connection. ``side`` is an engine with
    connections of its own to the same database: the writes that must outlive the
    block go there.
    """

    def __init__(self, engine: Engine, side: Engine, using: str) -> None:
        self._engine = engine
        self._side = side
        #: The Django database alias.
        self.using = using
        self._waiting: list[_BlockWaiter] = []
        self._guard = threading.Lock()
        self._wake = threading.Condition(self._guard)
        self._sweeper: threading.Thread | None = None
        self._stopping = False
        # A script that rolls back and exits before the next sweep must not lose the
        # records it wrote in the block: the sweeper is a daemon thread.
        atexit.register(self.sweep)
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        """Start a forked child empty: its parent's blocks and sweeper thread are not its own."""
        self._waiting = []
        self._guard = threading.Lock()
        self._wake = threading.Condition(self._guard)
        self._sweeper = None
        self._stopping = False

    def _connection(self) -> Any:
        from django.db import connections  # type: ignore[import-untyped]

        return connections[self.using]

    def is_open(self) -> bool:
        return opened_by_application(self._engine, self._connection())

    def held_keys(self) -> frozenset[str]:
        self.sweep()
        connection = self._connection()
        if not opened_by_application(self._engine, connection):
            return frozenset()
        with self._guard:
            return frozenset(key for waiter in self._waiting if waiter.connection is connection for key in waiter.keys)

    def keep(self, locks: HeldLocks) -> bool:
        waiter = self._wait(locks.release, locks.release, f"lock(s) {', '.join(locks.keys)} of execution {locks.owner}")
        if waiter is None:
            return False
        waiter.keys = frozenset(locks.keys)
        return True

    def write_outside(self, write: Callable[[Connection], None]) -> None:
        with self._side.begin() as connection:
            write(connection)

    def watch(self, store: ExecutionStore, records: Sequence[ExecutionRecord]) -> bool:
        if not records:
            return self.is_open()
        watched = list(records)

        def write_rolled_back() -> None:
            # A sweep can also see a callback missing while Django runs the callbacks of
            # a commit, so the log decides: a row that shows the final status committed.
            finished_at = utcnow()
            with self._side.begin() as connection:
                stored = dict(connection.execute(
                    select(executions.c.id, executions.c.status).where(executions.c.id.in_([r.id for r in watched]))
                ).all())
                undone = [record for record in watched if stored.get(record.id) != record.status]
                for record in undone:
                    succeeded = record.status == ExecutionStatus.succeeded.value
                    store.rewrite(rolled_back(record, finished_at) if succeeded else record, connection)
            if undone:
                logger.warning(
                    "the application's atomic block rolled back after %s returned, so their records were "
                    "written again outside it; a call that had succeeded is now failed with transaction_rolled_back",
                    ", ".join(f"{record.operation} ({record.id})" for record in undone),
                )

        ids = ", ".join(record.id for record in watched)
        return self._wait(lambda: None, write_rolled_back, f"the records of {ids}") is not None

    def _wait(self, committed: Callable[[], None], rolled_back: Callable[[], None], description: str) -> _BlockWaiter | None:
        from django.db import transaction

        connection = self._connection()
        if not opened_by_application(self._engine, connection):
            return None
        waiter = _BlockWaiter(connection, committed, rolled_back, description)
        transaction.on_commit(waiter.on_commit, using=self.using)
        with self._guard:
            self._waiting.append(waiter)
            if self._sweeper is None:
                self._stopping = False
                self._sweeper = threading.Thread(target=self._sweep_while_waiting, name="opsgen-django-block",
                                                 daemon=True)
                self._sweeper.start()
        return waiter

    def sweep(self) -> None:
        """Forget what waited for blocks that committed, and settle what waited for blocks that rolled back."""
        with self._guard:
            if not self._waiting:
                return
            dropped = [waiter for waiter in self._waiting if waiter.dropped()]
            self._waiting = [waiter for waiter in self._waiting if not waiter.ended and waiter not in dropped]
        for waiter in dropped:
            waiter.end_dropped()

    def sweep_at_request_end(self, **_signal: Any) -> None:
        """Settle what waited for the blocks of this request; for ``request_finished``."""
        self.sweep()

    def stop(self) -> None:
        """Settle what waited for blocks that have ended, then stop the sweeper thread.

        What waits for a block still open stays until that block ends.
        """
        self.sweep()
        with self._wake:
            self._stopping = True
            self._wake.notify()
            sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and sweeper is not threading.current_thread():
            sweeper.join(timeout=5)

    def _sweep_while_waiting(self) -> None:
        while True:
            with self._wake:
                self._wake.wait(SWEEP_INTERVAL)
                if self._stopping:
                    return
                if not self._waiting:
                    self._sweeper = None
                    return
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - a sweep that fails is tried again
                logger.exception("checking the application's atomic blocks failed")
