"""Enqueue inside an ``atomic`` block that the application opened: a rollback cancels the call.

Django drops the ``on_commit`` callbacks of a rolled-back block without telling anyone,
and a pending record written in the application's transaction disappears with it. So
inside an atomic block that opsgen did not open, :class:`AtomicEnqueuer` enqueues in
three steps:

1. in the application's transaction, at its current savepoint, it takes a
   transaction-level advisory lock on the execution id and inserts a proof row
   (``committed`` true) into ``opsgen_django_enqueues``;
2. on a connection of its own, it commits the pending record with an intent row
   (``committed`` false) that keeps the message, ``QueuedCall.to_dict()``, so the
   record and the message exist whatever the application's transaction does;
3. it sends the message from ``transaction.on_commit`` and then removes both rows.

A commit makes the proof row visible and sends the message. A rollback of the block,
or of any savepoint around the enqueue, removes the proof row, drops the send and
releases the lock, because PostgreSQL releases the locks of a subtransaction that
rolls back. :func:`resolve_enqueues` then finds each intent whose lock is free.
Without a proof row the call was rolled back, and its pending record becomes
``cancelled``. With one it was committed, and an intent that is still there while the
record is still pending means the message was never sent: the process died before its
``on_commit`` callbacks ran, the send failed (a failure is logged, never raised into
the committed request), or Django skipped the callback after an earlier one raised.
The resolution then sends the stored message through the runtime's sender and only
afterwards removes the rows, as an outbox relay does. The lock is what makes this
safe: it is free only once the enqueuing transaction or savepoint has ended, and
PostgreSQL releases a transaction's locks only after its commit is visible to new
snapshots.

Delivery is at least once. A resolution that runs between a live process's commit
and its own send sends the call a second time, and so does one that follows a send
whose row removal was lost. The worker's claim (see
:mod:`opsgen.integrations.background`) runs each execution once: a repeated message
for a finished execution is acknowledged without running, and one for an execution
that a live worker is running is checked again after a delay. Two
resolutions never send the same call at once, because each holds the advisory locks
of the intents it settles until its sends are done.

For the calls of one thread, the resolution runs when the request ends (Django's
``request_finished`` signal) and on the thread's next enqueue once its atomic block
has closed. For every call, including those of processes that died, it runs when a
Celery worker that builds the Django runtime is ready, in ``manage.py
opsgen_resolve_enqueues`` (once, or every ``--loop SECONDS``), and whenever the
application calls :func:`resolve_enqueues`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from opsgen.integrations.background import ENQUEUE_EFFECT, QueuedCall, Sender, outer_transaction_writer
from opsgen.integrations.django.database import opened_by_application
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.errors import ConfigurationError, EffectHandlerMissing
from opsgen.runtime.plural import counted
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus, django_enqueues, executions
from opsgen.runtime.store import ExecutionRecord, utcnow

logger = logging.getLogger(__name__)

#: First key of the two-key advisory locks of enqueues. PostgreSQL keeps two-key locks
#: apart from the one-key locks that :mod:`opsgen.runtime.locks.postgres` takes.
LOCK_CLASS = 0x6F70

#: Error message of a call cancelled because its enqueuing transaction rolled back.
CANCELLED_NOTE = "not sent, because the transaction that enqueued it rolled back"

#: Intent and proof rows, created by the shipped migration 0003; 0004 added ``payload``.
enqueues = django_enqueues

#: Effect kind of :data:`~opsgen.integrations.background.ENQUEUE_EFFECT`, as ``enqueue`` requests it.
ENQUEUE_EFFECT_KIND = "task"

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
# proof rows of the committed transactions are visible. It cancels the rolled-back
# calls and removes every intent except those of committed calls still pending with a
# payload: those are returned as ``unsent`` and removed once they are sent. A committed
# call that is no longer pending was sent (a worker claimed it), and one without a
# payload, written before revision 0004, cannot be sent (``lost``).
_SETTLE = text(f"""
WITH decided AS (
    SELECT intent.execution_id, intent.payload,
           EXISTS (SELECT 1 FROM {enqueues.fullname} proof
                   WHERE proof.execution_id = intent.execution_id AND proof.committed) AS committed,
           EXISTS (SELECT 1 FROM {executions.fullname} execution
                   WHERE execution.id = intent.execution_id AND execution.status = :pending) AS pending
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
    DELETE FROM {enqueues.fullname}
    WHERE execution_id IN (
        SELECT execution_id FROM decided WHERE NOT (committed AND pending AND payload IS NOT NULL)
    )
)
SELECT id AS execution_id, 'cancelled' AS outcome, NULL::json AS payload FROM cancelled
UNION ALL
SELECT execution_id, CASE WHEN payload IS NULL THEN 'lost' ELSE 'unsent' END, payload
FROM decided WHERE committed AND pending
""").bindparams(bindparam("ids", expanding=True))

_FORGET_SENT = text(f"DELETE FROM {enqueues.fullname} WHERE execution_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)

_FORGET = text(f"""
DELETE FROM {enqueues.fullname}
WHERE execution_id = :execution_id AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL
""")


def lock_key(execution_id: str) -> int:
    """Return the second advisory lock key of an execution id: its first 4 bytes, signed."""
    return int.from_bytes(bytes.fromhex(execution_id.replace("-", "")[:8]), "big", signed=True)


def side_engine(using: str = "default") -> Engine:
    """Return an engine with connections of its own to Django's database ``using``.

    Each new connection reads Django's settings of ``using`` when it connects, not when
    the engine is built: Django's test runner points the alias at the test database
    after ``AppConfig.ready()`` has built the runtime.
    """
    from django.db import connections  # type: ignore[import-untyped]

    def connect() -> Any:
        import psycopg

        params = dict(connections[using].get_connection_params())
        # Django's cursor class and type adapters are for its own connections.
        params.pop("cursor_factory", None)
        params.pop("context", None)
        return psycopg.connect(**params)

    return create_engine("postgresql+psycopg://", creator=connect, pool_pre_ping=True)


#: Sends one stored message, the ``QueuedCall.to_dict()`` form, to the queue.
Deliver = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Resolution:
    """The outcome of one resolution: the execution ids of each kind of call it settled.

    ``unsent`` are committed calls that are still not sent, because the send failed
    or no sender was available; their intents stay for the next resolution.
    """

    cancelled: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()
    unsent: tuple[str, ...] = ()


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
            self._cancel_rolled_back()
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
            own.execute(enqueues.insert(), {
                "execution_id": record.id, "committed": False, "created_at": utcnow(), "payload": call.to_dict(),
            })
        self._outstanding().append(record.id)
        transaction.on_commit(partial(self._send_committed, send, call), using=self.using)
        return True

    def ensure_table(self) -> None:
        """Upgrade the log schema, which has ``opsgen_django_enqueues``, unless the runtime opts out."""
        if not self._table_ready:
            self.runtime.prepare()
            self._table_ready = True

    def resolve(self, execution_ids: list[str] | None = None, send: Sender | None = None) -> Resolution:
        """Resolve the intents of ``execution_ids`` (all when ``None``); see :func:`resolve_enqueues`.

        Committed calls that were never sent go through ``send``, by default the
        runtime's sender (:func:`runtime_deliver`).
        """
        self.ensure_table()
        deliver = runtime_deliver(self.runtime) if send is None else partial(_send_stored, send)
        return settle_intents(self.engine, execution_ids, deliver)

    def resolve_thread(self, **_signal: Any) -> list[str]:
        """Resolve the calls this thread enqueued whose transactions have ended; return the cancelled ids.

        Connected to Django's ``request_finished`` signal, whose arguments it ignores.
        A call of this thread that committed and was not sent, because an earlier
        ``on_commit`` callback raised and Django skipped the rest, goes through the
        runtime's sender.
        """
        outstanding = self._outstanding()
        if not outstanding:
            return []
        ids = list(outstanding)
        outstanding.clear()
        return list(settle_intents(self.engine, ids, runtime_deliver(self.runtime)).cancelled)

    def _cancel_rolled_back(self) -> None:
        """Cancel this thread's calls whose blocks rolled back, and leave the committed ones be.

        This runs when the thread enqueues outside any atomic block, which may be from
        inside an ``on_commit`` callback. The ``on_commit`` sends of calls enqueued in
        the block that just committed may still be queued behind it, so sending them
        here would send them twice. The request's end (:meth:`resolve_thread`) deals
        with any that Django skipped.
        """
        outstanding = self._outstanding()
        if not outstanding:
            return
        resolution = settle_intents(self.engine, list(outstanding), None, send_unsent=False)
        unsent = set(resolution.unsent)
        outstanding[:] = [execution_id for execution_id in outstanding if execution_id in unsent]

    def resolve_at_worker_start(self, **_signal: Any) -> None:
        """Resolve every intent once a Celery worker is ready, when the runtime has a sender.

        Connected to Celery's ``worker_ready`` signal, which is sent in the worker's
        main process, so it runs once per worker. A failure is logged and the worker
        starts anyway.
        """
        if runtime_deliver(self.runtime) is None:
            logger.debug("no %s handler on this Django runtime; enqueues are not resolved at worker start",
                         ENQUEUE_EFFECT)
            return
        try:
            resolution = self.resolve()
        except Exception as exc:  # noqa: BLE001 - the worker must start even when the database does not answer
            logger.error("resolving the calls enqueued in atomic blocks failed at worker start (%s: %s); "
                         "run `manage.py opsgen_resolve_enqueues` once the database answers",
                         type(exc).__name__, exc)
            return
        finally:
            self._close_connections()
        logger.info("resolved the calls enqueued in atomic blocks at worker start: %d sent, %d cancelled, "
                    "%d still unsent", len(resolution.sent), len(resolution.cancelled), len(resolution.unsent))

    def _close_connections(self) -> None:
        """Close the connections this process opened, so worker processes forked later do not share them."""
        from django.db import Error, connections

        self.engine.dispose()
        connection = connections[self.using]
        if connection.in_atomic_block:
            return
        try:
            connection.close()
        except Error as exc:
            logger.warning("closing Django's connection %r after the resolution at worker start failed: %s",
                           self.using, exc)

    def _send_committed(self, send: Sender, call: QueuedCall) -> None:
        outstanding = self._outstanding()
        if call.execution_id in outstanding:
            outstanding.remove(call.execution_id)
        extra = {"queued_execution_id": call.execution_id}
        try:
            send(call)
        except Exception as exc:  # noqa: BLE001 - the intent keeps the call, so a failed send is retried later
            # The application's transaction has committed: raising here would fail a
            # request whose writes are done and make Django skip later callbacks.
            logger.error("sending execution %s of %s after the commit failed (%s: %s); it stays pending "
                         "until resolve_enqueues or `manage.py opsgen_resolve_enqueues` sends it",
                         call.execution_id, call.operation, type(exc).__name__, exc, extra=extra)
            return
        try:
            with self.engine.begin() as own:
                own.execute(_FORGET, {"execution_id": call.execution_id})
        except SQLAlchemyError as exc:
            logger.warning("execution %s was sent, but removing its intent failed (%s); the next resolution "
                           "removes it, or sends it again if it is still pending", call.execution_id, exc,
                           extra=extra)

    def _outstanding(self) -> list[str]:
        ids: list[str] | None = getattr(self._local, "ids", None)
        if ids is None:
            ids = self._local.ids = []
        return ids


def django_enqueuer(runtime: Runtime) -> AtomicEnqueuer:
    """Return the enqueuer of a runtime that ``django_runtime`` built; raise :class:`ConfigurationError` otherwise."""
    enqueuer = outer_transaction_writer(runtime)
    if not isinstance(enqueuer, AtomicEnqueuer):
        raise ConfigurationError(
            "resolving Django enqueues needs a runtime built by opsgen.integrations.django.django_runtime; "
            "call configure(django_runtime()) in your AppConfig.ready()"
        )
    return enqueuer


def resolve_enqueues(
    runtime: Runtime | None = None, execution_ids: list[str] | None = None, *, send: Sender | None = None
) -> list[str]:
    """Settle the calls whose enqueuing transaction has ended; return the ids of those cancelled.

    ``runtime`` is a :func:`~opsgen.integrations.django.django_runtime` (by default the
    configured runtime). A call whose transaction rolled back becomes ``cancelled``. A
    call whose transaction committed but whose message was never sent, because the
    process died before ``on_commit`` or the send failed, is sent now through ``send``,
    by default the runtime's sender (the ``opsgen.enqueue`` effect handler that
    ``opsgen.integrations.celery.install`` registers), and only then forgotten. A send
    that fails, or a missing sender, is logged and the call stays for the next
    resolution. Calls whose transaction is still open are left alone. Without
    ``execution_ids`` every intent in the table is looked at.

    Raises :class:`ConfigurationError` for a runtime that ``django_runtime`` did not
    build, and SQLAlchemy's errors when the database fails.
    """
    return list(django_enqueuer(runtime or get_runtime()).resolve(execution_ids, send).cancelled)


def runtime_deliver(runtime: Runtime) -> Deliver | None:
    """Return a function that sends a stored message through ``runtime``'s sender, or ``None``.

    The sender is the handler of the ``opsgen.enqueue`` effect, the one the outbox
    dispatcher uses for calls enqueued in opsgen's own transactions.
    """
    try:
        handler = runtime.resolve_effect_handler(ENQUEUE_EFFECT, ENQUEUE_EFFECT_KIND)
    except EffectHandlerMissing:
        return None

    def deliver(payload: dict[str, Any]) -> None:
        execution_id = str(payload.get("execution_id"))
        handler(EffectCall(ENQUEUE_EFFECT, ENQUEUE_EFFECT_KIND, payload, execution_id, execution_id, 1))

    return deliver


def _send_stored(send: Sender, payload: dict[str, Any]) -> None:
    send(QueuedCall.from_dict(payload))


def settle_intents(
    engine: Engine, execution_ids: list[str] | None, deliver: Deliver | None, *, send_unsent: bool = True
) -> Resolution:
    """Resolve the intents on ``engine``, the connections outside Django's; see :func:`resolve_enqueues`.

    The sends happen inside the transaction that holds the intents' advisory locks,
    so two resolutions never send the same call at the same time. With
    ``send_unsent`` false, committed calls that were not sent keep their intents and
    are only returned, as ``unsent``.
    """
    ids = list(execution_ids or [])
    if execution_ids is not None and not ids:
        return Resolution()
    with engine.begin() as connection:
        free = list(connection.execute(_FREE_INTENTS, {
            "every": execution_ids is None, "ids": ids or [""], "lock_class": LOCK_CLASS,
        }).scalars())
        if not free:
            return Resolution()
        rows = connection.execute(_SETTLE, {
            "ids": free, "cancelled": ExecutionStatus.cancelled.value, "pending": ExecutionStatus.pending.value,
            "note": CANCELLED_NOTE, "now": utcnow(),
        }).all()
        cancelled = [row.execution_id for row in rows if row.outcome == "cancelled"]
        unsent = {row.execution_id: row.payload for row in rows if row.outcome == "unsent"}
        _log_lost([row.execution_id for row in rows if row.outcome == "lost"])
        sent, failed = _send_unsent(unsent, deliver) if send_unsent else ([], list(unsent))
        if sent:
            connection.execute(_FORGET_SENT, {"ids": sent})
    for execution_id in cancelled:
        logger.info("cancelled queued execution %s: %s", execution_id, CANCELLED_NOTE,
                    extra={"queued_execution_id": execution_id})
    return Resolution(tuple(cancelled), tuple(sent), tuple(failed))


def _send_unsent(unsent: dict[str, dict[str, Any]], deliver: Deliver | None) -> tuple[list[str], list[str]]:
    """Send the stored messages of committed calls; return the ids sent and those still unsent."""
    if not unsent:
        return [], []
    if deliver is None:
        logger.error("left %s unsent and pending, because this runtime has no %s handler; call "
                     "opsgen.integrations.celery.install(app, ops, runtime=runtime) in this process: %s",
                     counted(len(unsent), "committed call"), ENQUEUE_EFFECT, ", ".join(unsent))
        return [], list(unsent)

    sent: list[str] = []
    failed: list[str] = []
    for execution_id, payload in unsent.items():
        extra = {"queued_execution_id": execution_id}
        try:
            deliver(payload)
        except Exception as exc:  # noqa: BLE001 - any sender failure leaves the intent for the next resolution
            failed.append(execution_id)
            logger.error("sending committed execution %s failed (%s: %s); its intent stays for the next resolution",
                         execution_id, type(exc).__name__, exc, extra=extra)
            continue
        sent.append(execution_id)
        logger.info("sent committed execution %s, whose message had not been sent", execution_id, extra=extra)
    return sent, failed


def _log_lost(execution_ids: list[str]) -> None:
    for execution_id in execution_ids:
        logger.warning("execution %s was committed but never sent, and its intent predates stored messages "
                       "(revision 0004), so it cannot be sent; it stays pending: enqueue the call again",
                       execution_id, extra={"queued_execution_id": execution_id})
