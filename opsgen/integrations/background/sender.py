"""The sender's side of a queued call: the pending record and the send.

Outside a transaction the pending record commits before the message goes out. Inside
one, the record joins the transaction and the send is a durable effect, so it happens
after the commit, and a rollback cancels the execution instead.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.engine import Dialect

from opsgen.integrations.background.database import (
    DriverStatement,
    compile_for_driver,
    execute_on_driver,
    shares_connection,
    single_statements,
)
from opsgen.integrations.background.message import QueuedCall
from opsgen.runtime.context import Context
from opsgen.runtime.declarations import RetryPolicy
from opsgen.runtime.effects import EffectCall
from opsgen.runtime.errors import ConfigurationError, MissingContextError, mark_enqueue_input_error
from opsgen.runtime.execution import ExecutionContext, resolve_caller
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.json_values import dump_for_log, finite_json
from opsgen.runtime.pipeline import missing_context, missing_context_message, rejected_input
from opsgen.runtime.redaction import redact, sensitive_values, without_input_values
from opsgen.runtime.runtime import Runtime, get_runtime
from opsgen.runtime.schema import ExecutionStatus, executions
from opsgen.runtime.store import ExecutionRecord, utcnow


logger = logging.getLogger(__name__)

#: Name of the durable effect that sends a queued call after the commit.
ENQUEUE_EFFECT = "opsgen.enqueue"

#: Retry policy of that send while the broker is unreachable; the outbox dispatcher runs the retries.
SEND_RETRY = RetryPolicy(max_attempts=10, backoff=1.0, multiplier=2.0, max_delay=60.0)

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

    Raises ``pydantic.ValidationError`` for invalid ``inputs`` and
    :class:`MissingContextError` for a context without a key the operation requires,
    both before anything is recorded or sent, and :class:`ConfigurationError` when the
    runtime's execution log is disabled, since a worker needs the pending record.
    """
    runtime = handle.runtime or get_runtime()
    if not runtime.log_enabled:
        raise ConfigurationError(
            f"cannot enqueue {handle.name}: the execution log is disabled, and a worker needs "
            "the pending record; set log-enabled to true"
        )
    runtime.prepare()
    declaration = handle.declaration
    try:
        model = declaration.input_model.model_validate(dict(inputs))
    except ValidationError as exc:
        sensitive = declaration.sensitive_under("input")
        if sensitive is None:
            raise mark_enqueue_input_error(exc, declaration.name)
        hidden = without_input_values(exc, sensitive_values(dict(inputs), sensitive))
        raise mark_enqueue_input_error(hidden, declaration.name) from None

    parent, context = resolve_caller(ctx)
    missing = missing_context(declaration.context_requires, context)
    if missing:
        raise MissingContextError(missing_context_message(declaration.name, missing), missing)
    input_json = model.model_dump(mode="json", by_alias=True)
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
            try:
                send(call)
            except Exception as exc:
                # The caller sees the error and may enqueue again: this call must not stay
                # pending for ever, nor run if the broker took the message after all.
                cancel_unsent(runtime, record, exc)
                raise
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
        recorded_input=redact(finite_json(input_json), declaration.sensitive_under("input")),
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
    sensitive = declaration.sensitive_under("input")
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

    On PostgreSQL the write is one ``INSERT`` in autocommit mode, which saves the round
    trips of ``BEGIN`` and ``COMMIT``. Without ``durable`` its commit skips the wait for
    the disk. A database crash can then lose the record, and the worker rebuilds it
    from the message. Other databases, and drivers other than psycopg without
    ``durable``, write it in a short transaction of its own.
    """
    engine = runtime.engine
    if engine.dialect.name != "postgresql" or shares_connection(engine):
        runtime.store.write(record, flush=durable)
        return
    if durable:
        with single_statements(runtime) as connection:
            runtime.store.write(record, connection)
        return
    if engine.dialect.driver != "psycopg":
        runtime.store.write(record, flush=False)
        return
    values = {name: value for name, value in record.values().items() if value is not None}
    with single_statements(runtime) as connection:
        statement = _unflushed_insert(connection.dialect, tuple(values))
        execute_on_driver(connection, statement.sql, statement.parameters(values))
    record.written = True


@lru_cache(maxsize=64)
def _unflushed_insert(dialect: Dialect, columns: tuple[str, ...]) -> DriverStatement:
    """Return the ``INSERT`` of an execution row with ``columns`` whose commit does not wait for the disk.

    ``set_config(..., true)`` acts as ``SET LOCAL synchronous_commit TO OFF`` for the
    statement's own transaction, in autocommit mode too, without a round trip of its
    own. ``INSERT ... SELECT`` gives it a place to run.
    """
    values = select(*(bindparam(name, type_=executions.c[name].type) for name in columns)).where(
        text("set_config('synchronous_commit', 'off', true) IS NOT NULL")
    )
    return compile_for_driver(insert(executions).from_select(list(columns), values, include_defaults=False), dialect)


def send_effect(send: Sender, call: EffectCall) -> None:
    """Deliver the durable enqueue effect: send the call its payload holds."""
    send(QueuedCall.from_dict(call.payload))


def cancel_pending(runtime: Runtime, record: ExecutionRecord, reason: str) -> None:
    """Mark a pending execution cancelled because the send it waited for was dropped."""
    _cancel(runtime, record, "cancelled", f"not sent, because the caller's transaction did not commit: {reason}")
    logger.info("cancelled queued execution %s of %s: %s", record.id, record.operation, reason,
                extra={"queued_execution_id": record.id})


def cancel_unsent(runtime: Runtime, record: ExecutionRecord, error: Exception) -> None:
    """Mark a pending execution cancelled because its send raised ``error``, which the caller gets.

    A worker that receives the message anyway, from a send that failed only after the
    broker took it, finds the execution finished and does not run it.
    """
    _cancel(runtime, record, "not_sent", f"not sent, because the send raised {type(error).__name__}: {error}")
    logger.error("queued execution %s of %s was not sent: %s: %s", record.id, record.operation,
                 type(error).__name__, error, extra={"queued_execution_id": record.id})


def _cancel(runtime: Runtime, record: ExecutionRecord, code: str, message: str) -> None:
    record.status = ExecutionStatus.cancelled.value
    record.finished_at = utcnow()
    record.error_code = code
    record.error_message = message
    runtime.store.rewrite(record)
