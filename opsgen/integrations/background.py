"""Background execution on any queue: the pending record, the message, and the worker's claim.

``enqueue`` records a pending execution linked to the caller's execution, then sends a
:class:`QueuedCall` through a sender the queue integration supplies
(:mod:`opsgen.integrations.celery` sends a Celery task). Inside a transaction the
pending record is written in that transaction and the send is a durable effect, so it
happens after the commit and only then. A rollback drops the effect, and the dropped
effect marks the execution ``cancelled``.

A worker that receives the message claims the execution with one conditional
``UPDATE``: a pending execution, or a running one whose lease expired because its
worker died, becomes running under a new lease. Every other state means the message is
a repeat: a finished execution is never run again, and a running one with a live lease
is left to its worker. When the log has no record of the execution at all (a database
crash lost it, or the database was restored from an older backup), the worker inserts
the record rebuilt from the message, already claimed, and runs the call. The worker
renews the lease while the operation runs. Each claim adds a row to
``opsgen_execution_attempts``. On PostgreSQL the claim and its attempt row take one
statement that commits on its own. Closing the attempt and dropping the lease (or, for
a retry, putting the execution back to pending) join the transaction of the final
record, so both commit or neither does.

Exactly once holds for the execution log and for the writes of a transactional
operation, which commit together with the final record. An operation without a
transaction that is killed midway runs again from the start on the next attempt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache, partial
from types import TracebackType
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    and_,
    bindparam,
    column,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from opsgen.runtime.context import Context
from opsgen.runtime.database import SQLITE_BUSY_TIMEOUT, begin_unflushed
from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.errors import ConfigurationError
from opsgen.runtime.execution import ExecutionContext, resolve_caller
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.json_values import dump_for_log, finite_json
from opsgen.runtime.pipeline import rejected_input
from opsgen.runtime.redaction import redact, sensitive_values
from opsgen.runtime.result import Failure, Result
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus, execution_attempts, executions
from opsgen.runtime.store import HOST, ExecutionRecord, utcnow

logger = logging.getLogger(__name__)

#: Name of the durable effect that sends a queued call after the commit.
ENQUEUE_EFFECT = "opsgen.enqueue"

#: Retry policy of that send while the broker is unreachable; the outbox dispatcher runs the retries.
SEND_RETRY = RetryPolicy(max_attempts=10, backoff=1.0, multiplier=2.0, max_delay=60.0)

#: Seconds a worker's claim on an execution lasts without renewal.
DEFAULT_LEASE = 30.0

#: Claims of one execution after dead workers before it fails with ``worker_lost``.
DEFAULT_MAX_TAKEOVERS = 3

#: Engine execution option set on engines whose connections belong to another library
#: (Django's): opsgen then never switches them to autocommit.
SHARED_CONNECTION = "opsgen_shared_connection"

#: Failure codes that no retry can change.
NOT_RETRIED = frozenset({"invalid_input", "missing_context", "invalid_output", "unknown_operation"})

FINISHED = frozenset(
    status.value
    for status in (
        ExecutionStatus.succeeded,
        ExecutionStatus.failed,
        ExecutionStatus.skipped,
        ExecutionStatus.rejected,
        ExecutionStatus.cancelled,
    )
)


class MalformedMessage(ValueError):
    """A queued message that cannot be read as an operation call."""


@dataclass(frozen=True)
class QueuedCall:
    """The message that crosses the queue: the call, and the fields of its pending record.

    ``input`` is the validated input in JSON form, sensitive fields included, because
    the operation needs them; only the execution log redacts them. ``parent_id``,
    ``root_id``, ``operation_version`` and ``created_at`` let a worker rebuild the
    pending record when the log has lost it (see :func:`claim`). Messages from senders
    older than these fields lack them, and such a call is rebuilt as its own root.
    """

    operation: str
    execution_id: str
    input: dict[str, Any]
    context: dict[str, Any]
    queue: str = "default"
    parent_id: str | None = None
    root_id: str | None = None
    operation_version: int | None = None
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the message body, plain JSON."""
        return {
            "operation": self.operation,
            "execution_id": self.execution_id,
            "input": self.input,
            "context": self.context,
            "queue": self.queue,
            "parent_id": self.parent_id,
            "root_id": self.root_id,
            "operation_version": self.operation_version,
            "created_at": self.created_at.isoformat() if self.created_at is not None else None,
        }

    @classmethod
    def from_dict(cls, data: object) -> QueuedCall:
        """Read a message body; raise :class:`MalformedMessage` naming the first bad field."""
        if not isinstance(data, Mapping):
            raise MalformedMessage(f"message body must be a JSON object, not {type(data).__name__}")
        for key, kind in (("operation", str), ("execution_id", str), ("input", dict), ("context", dict)):
            if not isinstance(data.get(key), kind):
                raise MalformedMessage(f"message field {key!r} is missing or not a {kind.__name__}")
        for key in ("parent_id", "root_id", "created_at"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise MalformedMessage(f"message field {key!r} must be a string or null")
        version = data.get("operation_version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise MalformedMessage("message field 'operation_version' must be an integer or null")
        return cls(
            operation=data["operation"],
            execution_id=data["execution_id"],
            input=dict(data["input"]),
            context=dict(data["context"]),
            queue=str(data.get("queue") or "default"),
            parent_id=data.get("parent_id"),
            root_id=data.get("root_id"),
            operation_version=version,
            created_at=_read_created_at(data.get("created_at")),
        )


def _read_created_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError as exc:
        raise MalformedMessage(f"message field 'created_at' is not an ISO 8601 time: {value!r}") from exc


Sender = Callable[[QueuedCall], None]

#: Takes a call enqueued inside a transaction that the application opened around
#: opsgen (a Django atomic block): writes its pending record, arranges the send after
#: the commit and returns true, or returns false to leave the call to ``enqueue``.
OuterTransactionWriter = Callable[[ExecutionRecord, QueuedCall, Sender], bool]

_outer_transaction_writers: weakref.WeakKeyDictionary[Runtime, OuterTransactionWriter] = weakref.WeakKeyDictionary()


def use_outer_transaction_writer(runtime: Runtime, writer: OuterTransactionWriter) -> None:
    """Make ``enqueue`` on ``runtime`` offer every call to ``writer`` first."""
    _outer_transaction_writers[runtime] = writer


def outer_transaction_writer(runtime: Runtime) -> OuterTransactionWriter | None:
    """Return the writer :func:`use_outer_transaction_writer` set on ``runtime``, if any."""
    return _outer_transaction_writers.get(runtime)


def enqueue(
    handle: OperationHandle[Any, Any],
    ctx: Context | ExecutionContext | None,
    inputs: Mapping[str, Any],
    send: Sender,
    *,
    durable: bool = True,
) -> str:
    """Record a pending execution of ``handle`` and send it with ``send``; return its id.

    Outside a transaction the pending record commits on its own before the send. With
    ``durable`` false that commit does not wait for the disk on PostgreSQL: a database
    crash in the fraction of a second before the server flushes it loses the record.
    The call still runs, because the worker rebuilds a missing record from the message
    (see :func:`claim`). So the only loss is the trace of a call whose message is
    lost too, such as by a broker that had not saved it: nothing then shows that the
    call was enqueued. The worker's durable commit of the final record flushes the
    pending record with it. Inside a transaction the record is part of the caller's
    commit either way.

    Raises ``pydantic.ValidationError`` for invalid ``inputs`` before anything is
    recorded or sent, and :class:`ConfigurationError` when the runtime's execution log
    is disabled, since a worker needs the pending record.
    """
    runtime = handle.runtime or get_runtime()
    if not runtime.log_enabled:
        raise ConfigurationError(
            f"cannot enqueue {handle.name}: the execution log is disabled, and a worker needs "
            "the pending record; set log-enabled to true"
        )
    runtime.prepare()
    declaration = handle.declaration
    model = declaration.input_model.model_validate(dict(inputs))

    parent, context = resolve_caller(ctx)
    input_json = model.model_dump(mode="json")
    record = pending_record(handle, input_json, context, parent)
    call = QueuedCall(
        operation=declaration.name,
        execution_id=record.id,
        input=input_json,
        context=context.to_dict(),
        queue=declaration.queue,
        parent_id=record.parent_id,
        root_id=record.root_id,
        operation_version=record.operation_version,
        created_at=record.created_at,
    )

    writer = _outer_transaction_writers.get(runtime)
    if writer is not None and writer(record, call, send):
        logger.info("queued %s as execution %s on queue %s, to be sent after the application's commit",
                    call.operation, call.execution_id, call.queue, extra={"queued_execution_id": call.execution_id})
        return record.id

    scope = parent.scope if parent is not None else None
    if parent is None or scope is None:
        write_pending(runtime, record, durable=durable)
        if runtime.defer_delivery is None:
            send(call)
        else:
            # The record may sit in a transaction the runtime does not own (a Django
            # atomic block): a worker must not get the message before it can see it.
            runtime.defer_delivery(partial(send, call))
        logger.info("queued %s as execution %s on queue %s", call.operation, call.execution_id, call.queue,
                    extra={"queued_execution_id": call.execution_id})
        return record.id

    runtime.store.write(record, scope.connection)
    shown = {**call.to_dict(), "input": record.input}
    parent.request_effect(
        ENQUEUE_EFFECT,
        "task",
        call.to_dict(),
        partial(send_effect, send),
        durable=True,
        shown=shown,
        retry=SEND_RETRY,
        on_drop=partial(cancel_pending, runtime, record),
    )
    logger.info("queued %s as execution %s on queue %s, to be sent after the commit",
                call.operation, call.execution_id, call.queue, extra={"queued_execution_id": call.execution_id})
    return record.id


def pending_record(
    handle: OperationHandle[Any, Any], input_json: dict[str, Any], context: Context, parent: ExecutionContext | None
) -> ExecutionRecord:
    """Build the pending record of a queued call, in the caller's call tree."""
    declaration = handle.declaration
    execution_id = str(uuid.uuid4())
    return _pending(
        execution_id,
        declaration.name,
        declaration.version,
        parent_id=parent.execution_id if parent is not None else None,
        root_id=parent.root_execution_id if parent is not None else execution_id,
        context=context,
        recorded_input=redact(finite_json(input_json), declaration.sensitive_fields),
        created_at=utcnow(),
    )


def rebuilt_record(handle: OperationHandle[Any, Any], call: QueuedCall) -> ExecutionRecord:
    """Build the pending record of ``call`` from the message alone, for a log that has lost it.

    The input is validated and redacted as ``enqueue`` does, so a sensitive field that
    the message carries in clear never reaches the log. An input the worker's model
    rejects (the pipeline then fails the call with ``invalid_input``) is redacted and
    its sensitive values are scrubbed from every other field, as the pipeline records
    a rejected input. A message without ``root_id``, from an older sender, becomes its
    own root.
    """
    declaration = handle.declaration
    sensitive = declaration.sensitive_fields
    try:
        context = Context.from_dict(call.context)
    except ValueError:
        context = Context()  # run_queued logs the invalid context when it runs the call
    try:
        model = declaration.input_model.model_validate(call.input)
    except ValidationError:
        recorded_input = rejected_input(call.input, sensitive, sensitive_values(call.input, sensitive))
    else:
        recorded_input = redact(dump_for_log(model), sensitive)
    return _pending(
        call.execution_id,
        declaration.name,
        call.operation_version if call.operation_version is not None else declaration.version,
        parent_id=call.parent_id,
        root_id=call.root_id or call.execution_id,
        context=context,
        recorded_input=recorded_input,
        created_at=call.created_at or utcnow(),
    )


def _pending(
    execution_id: str,
    operation: str,
    version: int,
    *,
    parent_id: str | None,
    root_id: str,
    context: Context,
    recorded_input: Any,
    created_at: datetime,
) -> ExecutionRecord:
    return ExecutionRecord(
        id=execution_id,
        operation=operation,
        operation_version=version,
        status=ExecutionStatus.pending.value,
        parent_id=parent_id,
        root_id=root_id,
        actor=context.actor,
        organization=context.organization,
        request_id=context.request_id,
        correlation_id=context.correlation_id,
        context_extra=dict(context.extra) or None,
        input=recorded_input,
        created_at=created_at,
    )


def write_pending(runtime: Runtime, record: ExecutionRecord, *, durable: bool) -> None:
    """Commit the pending record of a call enqueued outside a transaction.

    A durable write on PostgreSQL is one ``INSERT`` in autocommit mode, which saves the
    round trips of ``BEGIN`` and ``COMMIT``. Without ``durable`` the commit skips the
    wait for the disk, which takes a transaction of its own. A database crash can then
    lose the record, and the worker rebuilds it from the message.
    """
    if durable and runtime.engine.dialect.name == "postgresql" and not shares_connection(runtime.engine):
        with single_statements(runtime) as connection:
            runtime.store.write(record, connection)
        return
    runtime.store.write(record, flush=durable)


def send_effect(send: Sender, call: EffectCall) -> None:
    """Deliver the durable enqueue effect: send the call its payload holds."""
    send(QueuedCall.from_dict(call.payload))


def cancel_pending(runtime: Runtime, record: ExecutionRecord, reason: str) -> None:
    """Mark a pending execution cancelled because the send it waited for was dropped."""
    record.status = ExecutionStatus.cancelled.value
    record.finished_at = utcnow()
    record.error_code = "cancelled"
    record.error_message = f"not sent, because the caller's transaction did not commit: {reason}"
    runtime.store.rewrite(record)
    logger.info("cancelled queued execution %s of %s: %s", record.id, record.operation, reason,
                extra={"queued_execution_id": record.id})


# The worker side


@dataclass
class Claimed:
    """This worker owns the execution: run it under ``record``; ``attempt`` counts from 1.

    ``rebuilt`` is true when the log had no record of the execution, so the claim
    inserted the one rebuilt from the message.
    """

    record: ExecutionRecord
    attempt: int
    takeovers: int
    rebuilt: bool = False


@dataclass(frozen=True)
class NotClaimed:
    """Another worker owns the execution, it has finished, or the log has no such execution.

    ``retry_in`` is set when the owner's lease is live: try again after that many
    seconds, in case the owner dies.
    """

    reason: str
    status: str | None = None
    retry_in: float | None = None


@dataclass(frozen=True)
class WorkerOutcome:
    """The result of handling a message, and the seconds after which to retry it, if any."""

    result: Result[Any] | None
    retry_in: float | None = None
    note: str = ""


#: Builds the pending record of an execution that the log lacks, from its message.
Rebuild = Callable[[], ExecutionRecord]


def worker_name() -> str:
    """Return the name of this worker process in attempt rows: host and pid."""
    return f"{HOST}:{os.getpid()}"


def claim(
    runtime: Runtime,
    execution_id: str,
    *,
    lease: float,
    delivery: str | None = None,
    rebuild: Rebuild | None = None,
) -> Claimed | NotClaimed:
    """Claim ``execution_id`` for this process: pending, abandoned, or running with an expired lease.

    When the log has no row for ``execution_id`` and ``rebuild`` is given, the claim
    inserts the record ``rebuild`` returns, already running under this worker's lease,
    with its first attempt row. If a row with that id exists by then, from another
    worker's rebuild or the sender's late commit, the insert does nothing and that row
    is claimed as usual, or not. ``rebuild`` is called only after the usual claim has
    missed. Without it a missing execution returns ``NotClaimed("missing")``.
    """
    if runtime.engine.dialect.name == "postgresql":
        return _claim_in_one_statement(runtime, execution_id, lease=lease, delivery=delivery, rebuild=rebuild)
    return _claim_in_transaction(runtime, execution_id, lease=lease, delivery=delivery, rebuild=rebuild)


def _claim_in_transaction(
    runtime: Runtime, execution_id: str, *, lease: float, delivery: str | None, rebuild: Rebuild | None
) -> Claimed | NotClaimed:
    now = utcnow()
    with marker_transaction(runtime) as connection:
        row = connection.execute(
            update(executions)
            .where(executions.c.id == execution_id, claimable(now))
            .values(
                status=ExecutionStatus.running.value,
                started_at=now,
                host=HOST,
                pid=os.getpid(),
                lease_expires_at=now + timedelta(seconds=lease),
            )
            .returning(*executions.c)
        ).first()
        if row is not None:
            return _open_attempt(connection, dict(row._mapping), now, delivery, rebuilt=False)

        reason = _not_claimed_reason(connection, execution_id, now)
        if reason.reason != "missing" or rebuild is None:
            return reason
        staged = runtime.store.live is not None and any(
            row["status"] != ExecutionStatus.running.value for row in runtime.store.live.rows([execution_id])
        )
        if not staged:
            values = _rebuilt_row(rebuild(), now, lease)
            inserted = connection.execute(
                sqlite_insert(executions)
                .values({key: value for key, value in values.items() if value is not None})
                .on_conflict_do_nothing(index_elements=[executions.c.id])
                .returning(*executions.c)
            ).first()
            if inserted is None:
                return _not_claimed_reason(connection, execution_id, now)
            return _open_attempt(connection, dict(inserted._mapping), now, delivery, rebuilt=True)

    # The sender's pending record waits in the live file, because the log's writer was
    # busy when it was written: move it into the log and claim it, instead of rebuilding.
    assert runtime.store.live is not None
    runtime.store.live.move_staged(wait=SQLITE_BUSY_TIMEOUT)
    return _claim_in_transaction(runtime, execution_id, lease=lease, delivery=delivery, rebuild=None)


def claimable(now: datetime | None = None) -> ColumnElement[bool]:
    """Return the test a claim applies to an execution row.

    A claim takes a pending execution, an abandoned one (a log reader on its host found
    its worker dead), or a running one whose lease expired before ``now``. Without
    ``now`` the parameters stay unbound, for the PostgreSQL claim's SQL text, which
    binds them by name. :func:`_is_claimable` is the same test on values read back.
    """
    return or_(
        executions.c.status.in_([
            bindparam("pending", ExecutionStatus.pending.value),
            bindparam("abandoned", ExecutionStatus.abandoned.value),
        ]),
        and_(
            executions.c.status == bindparam("running", ExecutionStatus.running.value),
            executions.c.lease_expires_at < bindparam("now", now, type_=executions.c.lease_expires_at.type),
        ),
    )


def _open_attempt(
    connection: Connection, row: dict[str, Any], now: datetime, delivery: str | None, *, rebuilt: bool
) -> Claimed:
    """Add the attempt row of a claim made on ``connection``'s transaction; mark running ones abandoned."""
    execution_id = row["id"]
    earlier = connection.execute(
        select(execution_attempts.c.status).where(execution_attempts.c.execution_id == execution_id)
    ).scalars().all()
    takeovers = earlier.count(ExecutionStatus.running.value)
    if takeovers:
        connection.execute(
            update(execution_attempts)
            .where(execution_attempts.c.execution_id == execution_id,
                   execution_attempts.c.status == ExecutionStatus.running.value)
            .values(status=ExecutionStatus.abandoned.value, finished_at=now, error_message=ABANDONED_NOTE)
        )
    abandoned = takeovers + earlier.count(ExecutionStatus.abandoned.value)
    attempt = len(earlier) + 1
    connection.execute(
        insert(execution_attempts).values(
            execution_id=execution_id, attempt=attempt, status=ExecutionStatus.running.value,
            worker=worker_name(), delivery=delivery, started_at=now,
        )
    )
    return _claimed(row, attempt, takeovers, abandoned, rebuilt=rebuilt)


#: Error message of an attempt row whose worker died.
ABANDONED_NOTE = "the worker stopped renewing its lease"

#: The execution columns :func:`record_from_row` reads; the claim returns only these,
#: because building the result of every column costs more CPU than the claim's SQL.
RECORD_COLUMNS = (
    "id", "operation", "operation_version", "status", "parent_id", "root_id", "actor", "organization",
    "request_id", "correlation_id", "context_extra", "input", "created_at", "started_at",
)

#: The columns of a record rebuilt from its message, inserted already claimed.
REBUILT_COLUMNS = (*RECORD_COLUMNS, "host", "pid", "lease_expires_at")


def _rebuilt_row(record: ExecutionRecord, now: datetime, lease: float) -> dict[str, Any]:
    """Return the row of a rebuilt pending record, claimed by this worker until ``now + lease``."""
    values = record.values()
    values.update(
        status=ExecutionStatus.running.value,
        started_at=now,
        host=HOST,
        pid=os.getpid(),
        lease_expires_at=now + timedelta(seconds=lease),
    )
    return {name: values[name] for name in REBUILT_COLUMNS}


# The part of a claim on PostgreSQL that follows a CTE ``claimed`` returning the claimed
# execution row: count the execution's earlier attempts, mark the running ones
# abandoned (their workers died) and open the new attempt row. Every part reads the
# rows as they were when the statement began, so the counts are those from before the
# abandoned marks. ``set_config`` makes the commit skip the wait for the disk, as
# ``SET LOCAL`` would, without a round trip of its own; it also works when the
# statement is its own transaction, in autocommit mode.
_PG_OPEN_ATTEMPT = f"""
earlier AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE status = :running) AS takeovers,
           count(*) FILTER (WHERE status = :abandoned) AS abandoned_before,
           set_config('synchronous_commit', 'off', true) AS commit_mode
    FROM {execution_attempts.fullname}
    WHERE execution_id = :execution_id
),
closed AS (
    UPDATE {execution_attempts.fullname}
    SET status = :abandoned, finished_at = :now, error_message = :note
    WHERE execution_id = :execution_id AND status = :running AND EXISTS (SELECT 1 FROM claimed)
),
opened AS (
    INSERT INTO {execution_attempts.fullname} (execution_id, attempt, status, worker, delivery, started_at)
    SELECT claimed.id, earlier.total + 1, :running, :worker, :delivery, :now
    FROM claimed CROSS JOIN earlier
    RETURNING attempt
)"""

_PG_CLAIMED_COLUMNS = (
    *(executions.c[name] for name in RECORD_COLUMNS),
    column("takeovers", Integer), column("abandoned_before", Integer), column("attempt", Integer),
)

# The claim on PostgreSQL, one statement and so one round trip: take the execution and
# open its attempt row. A row comes back only when the claim succeeded.
_PG_CLAIM = text(f"""
WITH claimed AS (
    UPDATE {executions.fullname}
    SET status = :running, started_at = :now, host = :host, pid = :pid, lease_expires_at = :lease_until
    WHERE id = :execution_id AND ({claimable()})
    RETURNING *
),{_PG_OPEN_ATTEMPT}
SELECT {", ".join(f"claimed.{name}" for name in RECORD_COLUMNS)},
       earlier.takeovers, earlier.abandoned_before, opened.attempt
FROM claimed CROSS JOIN earlier CROSS JOIN opened
""").columns(*_PG_CLAIMED_COLUMNS)

# After a missed claim on PostgreSQL, one statement reads the execution's row and
# inserts the record rebuilt from the message, already claimed, with its attempt row.
# The insert does nothing when a row with that id exists, also one committed after the
# statement began. One row comes back: the claimed columns are null unless the insert
# happened, and ``current_status`` is null unless the statement saw an existing row.
_PG_REBUILD_CLAIM = (
    text(f"""
WITH current AS (
    SELECT status, lease_expires_at FROM {executions.fullname} WHERE id = :execution_id
),
claimed AS (
    INSERT INTO {executions.fullname} ({", ".join(REBUILT_COLUMNS)})
    VALUES ({", ".join(f":rebuilt_{name}" for name in REBUILT_COLUMNS)})
    ON CONFLICT (id) DO NOTHING
    RETURNING *
),{_PG_OPEN_ATTEMPT}
SELECT {", ".join(f"claimed.{name}" for name in RECORD_COLUMNS)},
       earlier.takeovers, earlier.abandoned_before, opened.attempt,
       current.status AS current_status, current.lease_expires_at AS current_lease
FROM earlier LEFT JOIN claimed ON true LEFT JOIN opened ON true LEFT JOIN current ON true
""")
    .bindparams(
        bindparam("rebuilt_context_extra", type_=JSON(none_as_null=True)),
        bindparam("rebuilt_input", type_=JSON(none_as_null=True)),
    )
    .columns(
        *_PG_CLAIMED_COLUMNS,
        column("current_status", String), column("current_lease", DateTime(timezone=True)),
    )
)


def _claim_in_one_statement(
    runtime: Runtime, execution_id: str, *, lease: float, delivery: str | None, rebuild: Rebuild | None = None
) -> Claimed | NotClaimed:
    now = utcnow()
    parameters = {
        "execution_id": execution_id,
        "now": now,
        "lease_until": now + timedelta(seconds=lease),
        "host": HOST,
        "pid": os.getpid(),
        "worker": worker_name(),
        "delivery": delivery,
        "note": ABANDONED_NOTE,
        "running": ExecutionStatus.running.value,
        "pending": ExecutionStatus.pending.value,
        "abandoned": ExecutionStatus.abandoned.value,
    }
    found: dict[str, Any] | NotClaimed | None = None
    with single_statements(runtime) as connection:
        if connection.dialect.driver == "psycopg" and not shares_connection(runtime.engine):
            values = _claim_on_driver(connection, parameters)
        else:
            row = connection.execute(_PG_CLAIM, parameters).first()
            values = dict(row._mapping) if row is not None else None
        if values is None:
            if rebuild is None:
                return _not_claimed_reason(connection, execution_id, now)
            found = _rebuild_on_postgresql(connection, rebuild(), parameters, lease)
    if values is not None:
        return _claimed_from_values(values, rebuilt=False)
    if isinstance(found, dict):
        return _claimed_from_values(found, rebuilt=True)
    if found is None:
        # A row appeared, or became claimable, after the claim missed: claim it as usual.
        return _claim_in_one_statement(runtime, execution_id, lease=lease, delivery=delivery)
    return found


def _claimed_from_values(values: dict[str, Any], *, rebuilt: bool) -> Claimed:
    takeovers = int(values["takeovers"])
    abandoned = takeovers + int(values["abandoned_before"])
    return _claimed(values, int(values["attempt"]), takeovers, abandoned, rebuilt=rebuilt)


def _rebuild_on_postgresql(
    connection: Connection, record: ExecutionRecord, parameters: dict[str, Any], lease: float
) -> dict[str, Any] | NotClaimed | None:
    """Insert ``record`` claimed when the log has no row of it; ``None`` when the usual claim should retry."""
    now = parameters["now"]
    rebuilt = {f"rebuilt_{name}": value for name, value in _rebuilt_row(record, now, lease).items()}
    row = connection.execute(_PG_REBUILD_CLAIM, {**parameters, **rebuilt}).one()
    if row.attempt is not None:
        return dict(row._mapping)
    if row.current_status is None:
        return None
    if _is_claimable(row.current_status, row.current_lease, now):
        return None
    return _reason_of(row.current_status, row.current_lease, now)


_PG_CLAIM_COLUMNS = (*RECORD_COLUMNS, "takeovers", "abandoned_before", "attempt")


@lru_cache(maxsize=None)
def _claim_sql(dialect: Dialect) -> str:
    """Return the claim in the driver's own SQL, compiled once per dialect."""
    return str(_PG_CLAIM.compile(dialect=dialect))


def _claim_on_driver(connection: Connection, parameters: dict[str, Any]) -> dict[str, Any] | None:
    """Run the claim on psycopg's cursor, which saves SQLAlchemy's result processing.

    psycopg already returns the types the record needs: aware datetimes and parsed
    JSON. Django's connection is left out, because Django registers its own loaders.
    """
    dialect = connection.dialect
    sql = _claim_sql(dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    except dialect.loaded_dbapi.Error as error:
        # Raise what SQLAlchemy would, as for every other statement of the worker.
        raise DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
    finally:
        cursor.close()
    return dict(zip(_PG_CLAIM_COLUMNS, row)) if row is not None else None


def _not_claimed_reason(connection: Connection, execution_id: str, now: datetime) -> NotClaimed:
    current = connection.execute(
        select(executions.c.status, executions.c.lease_expires_at).where(executions.c.id == execution_id)
    ).first()
    if current is None:
        return NotClaimed("missing")
    return _reason_of(current.status, current.lease_expires_at, now)


def _reason_of(status: str, lease_expires_at: datetime | None, now: datetime) -> NotClaimed:
    retry_in = None
    if status == ExecutionStatus.running.value and lease_expires_at is not None:
        retry_in = max(0.5, (_aware(lease_expires_at) - now).total_seconds() + 0.5)
    return NotClaimed("finished" if status in FINISHED else "busy", status, retry_in)


def _is_claimable(status: str, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Return whether :func:`claimable` holds for an execution in ``status`` with that lease."""
    if status in (ExecutionStatus.pending.value, ExecutionStatus.abandoned.value):
        return True
    return status == ExecutionStatus.running.value and lease_expires_at is not None and _aware(lease_expires_at) < now


def _claimed(row: dict[str, Any], attempt: int, takeovers: int, abandoned: int, *, rebuilt: bool) -> Claimed:
    if takeovers:
        logger.warning("took over execution %s after its worker died; attempt %d", row["id"], attempt,
                       extra={"queued_execution_id": row["id"]})
    return Claimed(record_from_row(row), attempt, abandoned, rebuilt)


def record_from_row(row: Mapping[str, Any]) -> ExecutionRecord:
    """Rebuild the in-memory record of an execution row, marked as written."""
    record = ExecutionRecord(
        id=row["id"], operation=row["operation"], operation_version=row["operation_version"],
        status=row["status"], parent_id=row["parent_id"], root_id=row["root_id"], actor=row["actor"],
        organization=row["organization"], request_id=row["request_id"], correlation_id=row["correlation_id"],
        context_extra=row["context_extra"], input=row["input"], created_at=_aware(row["created_at"]),
        started_at=_aware(row["started_at"]) if row["started_at"] else None,
    )
    record.written = True
    return record


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


def run_queued(
    handles: Mapping[str, OperationHandle[Any, Any]],
    runtime: Runtime,
    call: QueuedCall,
    *,
    lease: float = DEFAULT_LEASE,
    max_takeovers: int = DEFAULT_MAX_TAKEOVERS,
    delivery: str | None = None,
) -> WorkerOutcome:
    """Run one queued call at most once per claim, and return whether to retry it later.

    A call whose pending record the log lacks is rebuilt from the message, claimed and
    run, with a warning (see :func:`claim`). Never raises for a failure of the
    operation; raises for an unreachable database, so the queue redelivers the message.
    """
    handle = handles.get(call.operation)
    if handle is None:
        known = ", ".join(sorted(handles)) or "none"
        message = f"unknown operation {call.operation!r}; this worker's registry has: {known}"
        fail_pending(runtime, call.execution_id, "unknown_operation", message)
        return WorkerOutcome(Failure("unknown_operation", message, call.execution_id), note="unknown operation")
    runtime = handle.runtime or runtime

    outcome = claim(runtime, call.execution_id, lease=lease, delivery=delivery,
                    rebuild=partial(rebuilt_record, handle, call))
    if isinstance(outcome, NotClaimed):
        return _not_claimed(call, outcome)
    if outcome.rebuilt:
        _log_rebuilt(call)

    record = outcome.record
    if outcome.takeovers > max_takeovers:
        message = f"{outcome.takeovers} workers died running this execution; it is not tried again"
        finish_attempt(runtime, record.id, outcome.attempt, ExecutionStatus.failed.value, "worker_lost", message)
        fail_pending(runtime, record.id, "worker_lost", message, running=True)
        return WorkerOutcome(Failure("worker_lost", message, record.id), note="worker lost")

    try:
        context = Context.from_dict(call.context)
    except ValueError as exc:
        context = Context()
        logger.warning("execution %s: ignoring an invalid context: %s", record.id, exc,
                       extra={"queued_execution_id": record.id})

    from opsgen.runtime.pipeline import execute

    # On PostgreSQL the attempt row closes, and the lease drops, in the transaction of
    # the final record. Elsewhere they take a short transaction of their own afterwards.
    closer = AttemptCloser(handle, record.id, outcome.attempt) if runtime.engine.dialect.name == "postgresql" else None
    with LeaseKeeper(runtime, record.id, lease):
        result = execute(handle, context, call.input, record=record, on_final=closer)

    closed = closer is not None and closer.closed
    retry_in = closer.retry_in if closer is not None and closed else _retry_delay(
        handle, record.status, result.code if isinstance(result, Failure) else None, outcome.attempt
    )
    if retry_in is not None:
        assert isinstance(result, Failure)
        if not closed:
            _release_for_retry(runtime, record.id)
            finish_attempt(runtime, record.id, outcome.attempt, "retrying", result.code, result.message)
        logger.warning("execution %s of %s failed on attempt %d (%s); retrying in %.1f s",
                       record.id, call.operation, outcome.attempt, result.code, retry_in,
                       extra={"queued_execution_id": record.id})
        return WorkerOutcome(result, retry_in=retry_in, note="retry")

    if not closed:
        error_code = result.code if isinstance(result, Failure) else None
        error_message = result.message if isinstance(result, Failure) else None
        finish_attempt(runtime, record.id, outcome.attempt, record.status, error_code, error_message, clear_lease=True)
    return WorkerOutcome(result)


class AttemptCloser:
    """Closes the attempt row and drops the lease in the transaction of the final record (PostgreSQL).

    The pipeline calls it through ``execute(..., on_final=...)``. When the spec's retry
    policy retries the failure, the same transaction puts the execution back to
    ``pending`` and marks the attempt ``retrying``, so no crash can leave a
    retryable execution failed for good.
    """

    def __init__(self, handle: OperationHandle[Any, Any], execution_id: str, attempt: int) -> None:
        self.handle = handle
        self.execution_id = execution_id
        self.attempt = attempt
        #: Whether the final transaction has closed the attempt; it may still fail to commit.
        self.closed = False
        #: Seconds after which to run the execution again; ``None`` when it is not retried.
        self.retry_in: float | None = None

    def __call__(self, connection: Connection, record: ExecutionRecord) -> None:
        self.retry_in = _retry_delay(self.handle, record.status, record.error_code, self.attempt)
        retrying = self.retry_in is not None
        connection.execute(_PG_CLOSE_FOR_RETRY if retrying else _PG_CLOSE_WITH_RECORD, {
            "key_id": self.execution_id,
            "key_attempt": self.attempt,
            "new_status": "retrying" if retrying else record.status,
            "new_finished_at": record.finished_at or utcnow(),
            "new_error_code": record.error_code,
            "new_error_message": record.error_message,
            "pending": ExecutionStatus.pending.value,
        })
        self.closed = True


def _log_rebuilt(call: QueuedCall) -> None:
    lineage = "" if call.root_id is not None else (
        " The message names no parent or root execution (an older sender), so the call is recorded as its own root."
    )
    logger.warning(
        "execution %s of %s: the pending record was missing from the execution log and was rebuilt from the "
        "message; running the call. A database crash or restore loses such a record; if neither happened, "
        "check that this worker uses the sender's database.%s",
        call.execution_id, call.operation, lineage, extra={"queued_execution_id": call.execution_id},
    )


def _not_claimed(call: QueuedCall, outcome: NotClaimed) -> WorkerOutcome:
    extra = {"queued_execution_id": call.execution_id}
    if outcome.reason == "missing":
        logger.error("no execution %s of %s in the execution log; the message is dropped. Is this worker "
                     "on the same database as the sender?", call.execution_id, call.operation, extra=extra)
        return WorkerOutcome(None, note="missing")
    if outcome.reason == "finished":
        logger.info("execution %s of %s is already %s; the repeated message is not run",
                    call.execution_id, call.operation, outcome.status, extra=extra)
        return WorkerOutcome(None, note="finished")
    logger.info("execution %s of %s is running on a live worker; checking again in %.1f s",
                call.execution_id, call.operation, outcome.retry_in or 0.0, extra=extra)
    return WorkerOutcome(None, retry_in=outcome.retry_in or DEFAULT_LEASE, note="busy")


def _retry_delay(handle: OperationHandle[Any, Any], status: str, code: str | None, attempt: int) -> float | None:
    """Return the seconds before the next attempt of an execution that ended in ``status`` with ``code``."""
    policy = handle.declaration.retry
    if policy is None or code is None or attempt >= policy.max_attempts:
        return None
    if status != ExecutionStatus.failed.value or code in NOT_RETRIED:
        return None
    if any(error.code == code for error in handle.declaration.errors):
        return None
    return policy.delay(attempt)


def _release_for_retry(runtime: Runtime, execution_id: str) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(
            update(executions)
            .where(executions.c.id == execution_id)
            .values(status=ExecutionStatus.pending.value, lease_expires_at=None)
        )


def finish_attempt(
    runtime: Runtime,
    execution_id: str,
    attempt: int,
    status: str,
    error_code: str | None,
    error_message: str | None,
    *,
    clear_lease: bool = False,
) -> None:
    """Close the attempt row with the status the attempt ended in; optionally drop the lease."""
    values = {
        "key_id": execution_id, "key_attempt": attempt, "new_status": status,
        "new_finished_at": utcnow(), "new_error_code": error_code, "new_error_message": error_message,
    }
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.begin() as connection:
            connection.execute(_PG_FINISH_AND_CLEAR if clear_lease else _PG_FINISH, values)
        return
    with marker_transaction(runtime) as connection:
        connection.execute(_FINISH_ATTEMPT, values)
        if clear_lease:
            connection.execute(_CLEAR_LEASE, {"key_id": execution_id})


_FINISH_ATTEMPT = (
    update(execution_attempts)
    .where(execution_attempts.c.execution_id == bindparam("key_id"),
           execution_attempts.c.attempt == bindparam("key_attempt"))
    .values(status=bindparam("new_status"), finished_at=bindparam("new_finished_at"),
            error_code=bindparam("new_error_code"), error_message=bindparam("new_error_message"))
)
_CLEAR_LEASE = update(executions).where(executions.c.id == bindparam("key_id")).values(lease_expires_at=None)

# Closing the attempt on PostgreSQL. On its own it takes one statement whose commit
# does not wait for the disk (see ``_PG_CLAIM``); ``_PG_FINISH_AND_CLEAR`` also drops
# the lease. In the transaction of the final record, whose commit waits for the disk,
# it runs without ``set_config``: ``_PG_CLOSE_WITH_RECORD`` drops the lease and
# ``_PG_CLOSE_FOR_RETRY`` also puts the execution back to pending.
_CLOSE_ATTEMPT = f"""
UPDATE {execution_attempts.fullname}
SET status = :new_status, finished_at = :new_finished_at, error_code = :new_error_code,
    error_message = :new_error_message
WHERE execution_id = :key_id AND attempt = :key_attempt
"""
_SKIP_DISK_WAIT = "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"
_DROP_LEASE = f"UPDATE {executions.fullname} SET lease_expires_at = NULL WHERE id = :key_id"

_PG_FINISH = text(f"{_CLOSE_ATTEMPT}{_SKIP_DISK_WAIT}")
_PG_FINISH_AND_CLEAR = text(f"WITH closed AS ({_CLOSE_ATTEMPT}{_SKIP_DISK_WAIT})\n{_DROP_LEASE}")
_PG_CLOSE_WITH_RECORD = text(f"WITH closed AS ({_CLOSE_ATTEMPT})\n{_DROP_LEASE}")
_PG_CLOSE_FOR_RETRY = text(
    f"WITH closed AS ({_CLOSE_ATTEMPT})\n"
    f"UPDATE {executions.fullname} SET status = :pending, lease_expires_at = NULL WHERE id = :key_id"
)


def shares_connection(engine: Engine) -> bool:
    """Return whether ``engine``'s connections belong to another library (see :data:`SHARED_CONNECTION`)."""
    return bool(engine.get_execution_options().get(SHARED_CONNECTION))


@contextmanager
def single_statements(runtime: Runtime) -> Iterator[Connection]:
    """Yield a connection on which each statement commits on its own, in autocommit mode.

    That saves the round trips of ``BEGIN`` and ``COMMIT``. An engine marked with
    :data:`SHARED_CONNECTION` gets one transaction instead, because its connections
    belong to another library whose autocommit mode opsgen must not change.
    """
    engine = runtime.engine
    if shares_connection(engine):
        with engine.begin() as connection:
            yield connection
        return
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def marker_transaction(runtime: Runtime) -> Iterator[Connection]:
    """Open a short transaction whose commit does not wait for the disk on PostgreSQL.

    Claims and attempt rows are markers: a database crash that loses one leaves the
    execution pending or running under an expired lease, so the next delivery runs it,
    and the execution's own final record is written with a durable commit.
    """
    with begin_unflushed(runtime.engine) as connection:
        yield connection


def fail_pending(runtime: Runtime, execution_id: str, code: str, message: str, *, running: bool = False) -> None:
    """Finish a pending (or, with ``running``, a claimed) execution as failed without running it."""
    statuses = [ExecutionStatus.pending.value] + ([ExecutionStatus.running.value] if running else [])
    with runtime.engine.begin() as connection:
        connection.execute(
            update(executions)
            .where(executions.c.id == execution_id, executions.c.status.in_(statuses))
            .values(status=ExecutionStatus.failed.value, error_code=code, error_message=message,
                    finished_at=utcnow(), lease_expires_at=None)
        )
    logger.error("execution %s failed without running: %s: %s", execution_id, code, message,
                 extra={"queued_execution_id": execution_id})


def attempts_of(runtime: Runtime, execution_id: str) -> list[dict[str, Any]]:
    """Return the attempt rows of an execution, first attempt first."""
    return attempt_rows(runtime.engine, execution_id)


def attempt_rows(engine: Engine, execution_id: str) -> list[dict[str, Any]]:
    """Return the attempt rows of an execution on ``engine``; none when the table is missing."""
    query = (
        select(execution_attempts)
        .where(execution_attempts.c.execution_id == execution_id)
        .order_by(execution_attempts.c.attempt)
    )
    with engine.connect() as connection:
        if not inspect(connection).has_table(execution_attempts.name):
            return []
        return [dict(row._mapping) for row in connection.execute(query)]


def _aware(value: datetime) -> datetime:
    """Return ``value`` in UTC; SQLite returns naive datetimes, stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
