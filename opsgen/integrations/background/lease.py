"""The lease of a claimed execution, renewed by one background thread while its call runs."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta
from types import TracebackType

from sqlalchemy import update

from opsgen.integrations.background.database import marker_transaction
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import ExecutionStatus, executions
from opsgen.runtime.store import HOST, utcnow


logger = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews this worker's lease on an execution while it runs, from this process's renewal thread.

    One thread per process renews every running execution a third of its lease after
    the last renewal, so entering and leaving costs a dictionary update, not a thread.
    """

    def __init__(self, runtime: Runtime, execution_id: str, lease: float) -> None:
        self.runtime = runtime
        self.execution_id = execution_id
        self.lease = lease

    def __enter__(self) -> LeaseKeeper:
        _renewals.add(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        _renewals.discard(self)

    def renew(self) -> None:
        """Extend the lease, if this worker still runs the execution."""
        statement = (
            update(executions)
            .where(executions.c.id == self.execution_id, executions.c.status == ExecutionStatus.running.value,
                   executions.c.host == HOST, executions.c.pid == os.getpid())
            .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease))
        )
        try:
            with marker_transaction(self.runtime) as connection:
                connection.execute(statement)
        except Exception as exc:  # noqa: BLE001 - a missed renewal is logged; the next one may work
            logger.warning("could not renew the lease on execution %s: %s", self.execution_id, exc,
                           extra={"queued_execution_id": self.execution_id})


class _Renewals:
    """The leases this process renews, and the thread that renews them when due."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every lease and the thread; a forked child starts afresh."""
        self._due: dict[LeaseKeeper, float] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0
        #: The shortest renewal interval so far: the thread never sleeps longer, so a
        #: lease added while it sleeps is renewed in time without waking it.
        self._interval = 60.0

    def add(self, keeper: LeaseKeeper) -> None:
        interval = keeper.lease / 3
        with self._changed:
            self._due[keeper] = time.monotonic() + interval
            # A forked worker child inherits the parent's state but not its thread.
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._interval = interval
                self._thread = threading.Thread(target=self._run, name="opsgen-lease-renewal", daemon=True)
                self._thread.start()
            elif interval < self._interval:
                # The thread may sleep past this lease's first renewal: wake it.
                self._interval = interval
                self._changed.notify()

    def discard(self, keeper: LeaseKeeper) -> None:
        with self._changed:
            self._due.pop(keeper, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [keeper for keeper, at in self._due.items() if at <= now]
                if not due:
                    self._changed.wait(min(self._due.values(), default=now + self._interval) - now)
                    continue
            for keeper in due:
                keeper.renew()
                with self._changed:
                    if keeper in self._due:
                        self._due[keeper] = time.monotonic() + keeper.lease / 3


_renewals = _Renewals()


os.register_at_fork(after_in_child=_renewals.reset)
