"""Enqueue inside an ``atomic`` block that the application opened: a rollback cancels the call.

Django drops the ``on_commit`` callbacks of a rolled-back block without telling anyone,
and a pending record written in the application's transaction disappears with it. So
inside an atomic block that opsgen did not open, :class:`AtomicEnqueuer` enqueues in
three steps:

1. in the application's transaction, at its current savepoint, it takes a
   transaction-level advisory lock on the execution id and inserts a proof row
   (``committed`` true) into ``opsgen_django_enqueues``;
2. on a connection of its own, it commits the pending record with an intent row
   (``committed`` false), so the record exists whatever the application's transaction
   does;
3. it sends the message from ``transaction.on_commit``.

A commit makes the proof row visible and sends the message. A rollback of the block,
or of any savepoint around the enqueue, removes the proof row, drops the send and
releases the lock, because PostgreSQL releases the locks of a subtransaction that
rolls back. :func:`resolve_enqueues` then finds each intent whose lock is free: with a
proof row the call was committed, without one it was rolled back and its pending
record becomes ``cancelled``. The lock is what makes this safe: it is free only once
the enqueuing transaction or savepoint has ended, and PostgreSQL releases a
transaction's locks only after its commit is visible to new snapshots.

The resolution runs when the request ends (Django's ``request_finished`` signal) and on
the next enqueue of the same thread once its atomic block has closed. It also runs
whenever the application calls :func:`resolve_enqueues`, which covers processes that
died in the middle of a transaction.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, text

from opsgen.integrations.background import QueuedCall, Sender, outer_transaction_writer
from opsgen.integrations.django.database import opened_by_application
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus, django_enqueues, executions
from opsgen.runtime.store import ExecutionRecord, utcnow

logger = logging.getLogger(__name__)

#: First key of the two-key advisory locks of enqueues. PostgreSQL keeps two-key locks
#: apart from the one-key locks that :mod:`opsgen.runtime.locks.postgres` takes.
LOCK_CLASS = 0x6F70

#: Error message of a call cancelled because its enqueuing transaction rolled back.
CANCELLED_NOTE = "not sent, because the transaction that enqueued it rolled back"

#: Intent and proof rows, created by the shipped migration 0003.
enqueues = django_enqueues

# The lock key of an execution id: its first 4 bytes as a signed 32-bit integer, the
# same number as :func:`lock_key` computes.
_LOCK_KEY_SQL = "('x' || left(replace(execution_id, '-', ''), 8))::bit(32)::int"

_PROVE = f"""
WITH held AS (SELECT pg_advisory_xact_lock(%(lock_class)s, %(lock_key)s))
INSERT INTO {enqueues.fullname} (execution_id, committed, created_at)
SELECT %(execution_id)s, true, now() FROM held
"""

# The intents whose enqueuing transaction has ended. MATERIALIZED makes PostgreSQL
# filter the rows before it tries their locks.
_FREE_INTENTS = text(f"""
WITH candidates AS MATERIALIZED (
    SELECT execution_id FROM {enqueues.fullname}
    WHERE NOT committed AND (:every OR execution_id IN :ids)
)
SELECT execution_id FROM candidates
WHERE pg_try_advisory_xact_lock(:lock_class, {_LOCK_KEY_SQL})
""").bindparams(bindparam("ids", expanding=True))

# Runs after ``_FREE_INTENTS`` in the same transaction but with a new snapshot, so the
# proof rows of the committed transactions are visible.
_SETTLE = text(f"""
WITH decided AS (
    SELECT intent.execution_id,
           EXISTS (SELECT 1 FROM {enqueues.fullname} proof
                   WHERE proof.execution_id = intent.execution_id AND proof.committed) AS committed
    FROM {enqueues.fullname} intent
    WHERE NOT intent.committed AND intent.execution_id IN :ids
),
cancelled AS (
    UPDATE {executions.fullname}
    SET status = :cancelled, error_code = :cancelled, error_message = :note, finished_at = :now
    WHERE id IN (SELECT execution_id FROM decided WHERE NOT committed) AND status = :pending
    RETURNING id
),
removed AS (
    DELETE FROM {enqueues.fullname} WHERE execution_id IN (SELECT execution_id FROM decided)
)
SELECT id FROM cancelled
""").bindparams(bindparam("ids", expanding=True))

_FORGET = text(f"""
DELETE FROM {enqueues.fullname}
WHERE execution_id = :execution_id AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
""")


def lock_key(execution_id: str) -> int:
    """Return the second advisory lock key of an execution id: its first 4 bytes, signed."""
    return int.from_bytes(bytes.fromhex(execution_id.replace("-", "")[:8]), "big", signed=True)


def side_engine(using: str = "default") -> Engine:
    """Return an engine with connections of its own to Django's database ``using``."""
    from django.db import connections  # type: ignore[import-untyped]

    params = dict(connections[using].get_connection_params())
    # Django's cursor class and type adapters are for its own connections.
    params.pop("cursor_factory", None)
    params.pop("context", None)

    def connect() -> Any:
        import psycopg

        return psycopg.connect(**params)

    return create_engine("postgresql+psycopg://", creator=connect, pool_pre_ping=True)


class AtomicEnqueuer:
    """Writes the pending records of calls enqueued inside atomic blocks the application opened.

    ``background.enqueue`` calls it for every call on the Django runtime. It returns
    false, leaving the call to ``enqueue``, when no such block is open.
    """

    def __init__(self, runtime: Runtime, using: str, engine: Engine) -> None:
        self.runtime = runtime
        self.using = using
        #: The engine of the intents and the resolution, outside Django's connections.
        self.engine = engine
        self._table_ready = False
        self._local = threading.local()

    def __call__(self, record: ExecutionRecord, call: QueuedCall, send: Sender) -> bool:
        from django.db import connections, transaction

        connection = connections[self.using]
        if not connection.in_atomic_block:
            self.resolve_thread()
            return False
        if not opened_by_application(self.runtime.engine, connection):
            return False
        self.ensure_table()

        with connection.cursor() as cursor:
            cursor.execute(_PROVE, {
                "lock_class": LOCK_CLASS, "lock_key": lock_key(record.id), "execution_id": record.id,
            })
        with self.engine.begin() as own:
            self.runtime.store.write(record, own)
            own.execute(enqueues.insert(), {"execution_id": record.id, "committed": False, "created_at": utcnow()})
        self._outstanding().append(record.id)
        transaction.on_commit(partial(self._send_committed, send, call), using=self.using)
        return True

    def ensure_table(self) -> None:
        """Upgrade the log schema, which has ``opsgen_django_enqueues``, unless the runtime opts out."""
        if not self._table_ready:
            self.runtime.prepare()
            self._table_ready = True

    def resolve_thread(self, **_signal: Any) -> list[str]:
        """Resolve the calls this thread enqueued whose transactions have ended; return the cancelled ids.

        Connected to Django's ``request_finished`` signal, whose arguments it ignores.
        """
        outstanding = self._outstanding()
        if not outstanding:
            return []
        ids = list(outstanding)
        outstanding.clear()
        return settle_intents(self.engine, ids)

    def _send_committed(self, send: Sender, call: QueuedCall) -> None:
        send(call)
        outstanding = self._outstanding()
        if call.execution_id in outstanding:
            outstanding.remove(call.execution_id)
        # The intent is settled; a crash before this delete leaves it to resolve_enqueues.
        with self.engine.begin() as own:
            own.execute(_FORGET, {"execution_id": call.execution_id})

    def _outstanding(self) -> list[str]:
        ids: list[str] | None = getattr(self._local, "ids", None)
        if ids is None:
            ids = self._local.ids = []
        return ids


def resolve_enqueues(runtime: Runtime | None = None, execution_ids: list[str] | None = None) -> list[str]:
    """Cancel the pending calls whose enqueuing transaction rolled back; return their ids.

    ``runtime`` is a :func:`~opsgen.integrations.django.django_runtime` (by default the
    configured runtime). Calls whose transaction is still open are left alone, and the
    intents of committed ones are removed. Without ``execution_ids`` every intent in
    the table is looked at, which also settles those of processes that died. Raises
    :class:`ConfigurationError` for a runtime that ``django_runtime`` did not build.
    """
    runtime = runtime or get_runtime()
    enqueuer = outer_transaction_writer(runtime)
    if not isinstance(enqueuer, AtomicEnqueuer):
        raise ConfigurationError("resolve_enqueues needs a runtime built by opsgen.integrations.django.django_runtime")
    enqueuer.ensure_table()
    return settle_intents(enqueuer.engine, execution_ids)


def settle_intents(engine: Engine, execution_ids: list[str] | None) -> list[str]:
    """Resolve the intents on ``engine``, the connections outside Django's; see :func:`resolve_enqueues`."""
    ids = list(execution_ids or [])
    if execution_ids is not None and not ids:
        return []
    with engine.begin() as connection:
        free = list(connection.execute(_FREE_INTENTS, {
            "every": execution_ids is None, "ids": ids or [""], "lock_class": LOCK_CLASS,
        }).scalars())
        if not free:
            return []
        cancelled = list(connection.execute(_SETTLE, {
            "ids": free, "cancelled": ExecutionStatus.cancelled.value, "pending": ExecutionStatus.pending.value,
            "note": CANCELLED_NOTE, "now": utcnow(),
        }).scalars())
    for execution_id in cancelled:
        logger.info("cancelled queued execution %s: %s", execution_id, CANCELLED_NOTE,
                    extra={"queued_execution_id": execution_id})
    return cancelled
