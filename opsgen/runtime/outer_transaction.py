"""A transaction that the application opened around operation calls, outside the runtime's control.

The runtime owns the transactions of its operations. An integration can add one that it
does not own: Django's ``atomic`` block of a view or of ``ATOMIC_REQUESTS``, which the
operations of the request join and which commits or rolls back after they return. The
integration sets an :class:`OuterTransaction` on the runtime (``runtime.outer_transaction``)
and the pipeline leaves three things to it:

- locks: a call's writes become visible only when that transaction commits, so its locks
  are kept until then, and later calls in it reuse them;
- failures: the record of a call that failed must survive the transaction's rollback, so
  it is written on a connection of its own;
- rollbacks after success: the records of calls that succeeded commit with the
  transaction, and when it rolls back instead they are written again, outside it, as
  failed with ``transaction_rolled_back``. Without that a call that ran would leave no
  record, or a running marker that later reads as abandoned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

if TYPE_CHECKING:
    from opsgen.runtime.locks.base import HeldLocks
    from opsgen.runtime.store import ExecutionRecord, ExecutionStore

#: Error code of a record whose call succeeded in a transaction that later rolled back.
ROLLED_BACK_CODE = "transaction_rolled_back"


class OuterTransaction(Protocol):
    """What the pipeline needs from a transaction that the application opened; see the module."""

    def is_open(self) -> bool:
        """Return whether the current thread is inside such a transaction now."""

    def held_keys(self) -> frozenset[str]:
        """Return the lock keys kept for the current thread's open transaction."""

    def keep(self, locks: HeldLocks) -> bool:
        """Hold ``locks`` until the current thread's transaction ends; false when none is open."""

    def write_outside(self, write: Callable[[Connection], None]) -> None:
        """Run ``write`` on a connection of its own and commit it, whatever the open transaction does."""

    def watch(self, store: ExecutionStore, records: Sequence[ExecutionRecord]) -> bool:
        """Write ``records`` again as rolled back if the open transaction rolls back; false when none is open."""


def rolled_back(record: ExecutionRecord, finished_at: datetime) -> ExecutionRecord:
    """Mark ``record`` of a call whose writes an enclosing rollback undid, and return it."""
    record.status = "failed"
    record.error_code = ROLLED_BACK_CODE
    record.error_message = (
        "the call returned, but the application's transaction that it ran in rolled back, "
        "so none of its writes were kept"
    )
    record.output = None
    if record.finished_at is None:
        record.finished_at = finished_at
    return record
