"""The worker's side of a queued call: claim it, run it through the pipeline, close the attempt.

A failure the spec's retry policy covers puts the execution back to pending with the
delay before the next attempt. On PostgreSQL the attempt closes in the transaction of
the final record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, inspect, select, text, update
from sqlalchemy.engine import Dialect

from opsgen.integrations.background.claims import NotClaimed, claim
from opsgen.integrations.background.database import (
    DriverStatement,
    compile_for_driver,
    execute_on_driver,
    marker_transaction,
    shares_connection,
    single_statements,
    uses_driver_cursor,
    watches_statements,
)
from opsgen.integrations.background.lease import LeaseKeeper
from opsgen.integrations.background.message import QueuedCall
from opsgen.integrations.background.sender import rebuilt_record
from opsgen.runtime.context import Context
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.locks.abandoned import abandon_reason, mark_abandoned
from opsgen.runtime.result import Failure, Result
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import ExecutionStatus, execution_attempts, executions
from opsgen.runtime.store import ExecutionRecord, final_changes, utcnow


logger = logging.getLogger(__name__)

#: Seconds a worker's claim on an execution lasts without renewal.
DEFAULT_LEASE = 30.0

#: Claims of one execution after dead workers before it fails with ``worker_lost``.
DEFAULT_MAX_TAKEOVERS = 3

#: Failure codes that no retry can change.
NOT_RETRIED = frozenset({"invalid_input", "missing_context", "invalid_output", "unknown_operation"})


@dataclass(frozen=True)
class WorkerOutcome:
    """The result of handling a message, and the seconds after which to retry it, if any."""

    result: Result[Any] | None
    retry_in: float | None = None
    note: str = ""


def run_queued(
    handles: Mapping[str, OperationHandle[Any, Any]],
    runtime: Runtime,
    call: QueuedCall,
    *,
    lease: float = DEFAULT_LEASE,
    max_takeovers: int = DEFAULT_MAX_TAKEOVERS,
    delivery: str | None = None,
    warn_rebuilt: bool = True,
) -> WorkerOutcome:
    """Run one queued call at most once per claim, and return whether to retry it later.

    A call whose pending record the log lacks is rebuilt from the message, claimed and
    run, with a warning unless ``warn_rebuilt`` is false (see :func:`claim`). A broker
    consumer passes false, because no sender records its messages. A failure of the
    operation comes back as the outcome's result. An unreachable database raises, so
    the queue redelivers the message.
    """
    handle = handles.get(call.operation)
    if handle is None:
        known = ", ".join(sorted(handles)) or "none"
        message = f"unknown operation {call.operation!r}; this worker's registry has: {known}"
        fail_pending(runtime, call.execution_id, "unknown_operation", message)
        return WorkerOutcome(Failure("unknown_operation", message, call.execution_id), note="unknown operation")
    runtime = handle.runtime or runtime
    # The claim is the first statement on the log, so create its tables first, as the
    # pipeline does for a direct call: a worker on a fresh database would fail every message.
    runtime.prepare()

    outcome = claim(runtime, call.execution_id, lease=lease, delivery=delivery,
                    rebuild=partial(rebuilt_record, handle, call))
    ended = None
    if isinstance(outcome, NotClaimed) and outcome.reason == "busy":
        ended = _owner_ended_here(runtime, call.execution_id)
    if ended is not None:
        # The worker that runs it died on this host, and the broker redelivered the
        # message at once: take the call over now rather than after the dead lease.
        outcome = claim(runtime, call.execution_id, lease=lease, delivery=delivery, abandoned_note=ended)
    if isinstance(outcome, NotClaimed):
        return _not_claimed(call, outcome)
    if outcome.rebuilt and warn_rebuilt:
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
    closer = AttemptCloser(handle, record.id, outcome.attempt, runtime) if runtime.engine.dialect.name == "postgresql" else None
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
        span_attempts(record, outcome.attempt)
        finish_attempt(runtime, record.id, outcome.attempt, record.status, error_code, error_message, clear_lease=True,
                       duration_ms=record.duration_ms if outcome.attempt > 1 else None)
    return WorkerOutcome(result)


class AttemptCloser:
    """Closes the attempt row and drops the lease in the transaction of the final record (PostgreSQL).

    The pipeline calls it through ``execute(..., on_final=...)``. When the spec's retry
    policy retries the failure, the same transaction puts the execution back to
    ``pending`` and marks the attempt ``retrying``, so no crash can leave a
    retryable execution failed for good.
    """

    def __init__(
        self, handle: OperationHandle[Any, Any], execution_id: str, attempt: int, runtime: Runtime | None = None
    ) -> None:
        self.handle = handle
        self.execution_id = execution_id
        self.attempt = attempt
        #: The runtime whose log :meth:`write_final` writes to; without it, it never does.
        self.runtime = runtime
        #: Whether the final transaction has closed the attempt; it may still fail to commit.
        self.closed = False
        #: Seconds after which to run the execution again; ``None`` when it is not retried.
        self.retry_in: float | None = None

    def __call__(self, connection: Connection, record: ExecutionRecord) -> None:
        parameters = self._attempt_values(record)
        if self.retry_in is not None:
            connection.execute(_PG_CLOSE_FOR_RETRY, {**parameters, "pending": ExecutionStatus.pending.value})
        else:
            span_attempts(record, self.attempt)
            connection.execute(_PG_CLOSE_WITH_RECORD, {**parameters, "duration_ms": record.duration_ms})
        self.closed = True

    def write_final(self, record: ExecutionRecord, connection: Connection | None) -> bool:
        """Finish the record, close the attempt and drop the lease in one statement.

        In the operation's transaction this saves a round trip. Without a transaction
        the statement runs in autocommit mode, which also saves the ``BEGIN`` and
        ``COMMIT``, and it commits durably. On an engine whose connections belong to
        another library (Django's) it returns ``False`` instead of using autocommit,
        because opsgen leaves that library's autocommit setting alone.
        """
        runtime = self.runtime
        if runtime is None or (connection is None and shares_connection(runtime.engine)):
            return False
        parameters = self._attempt_values(record)
        if self.retry_in is None:
            span_attempts(record, self.attempt)
        changes = final_changes(record)
        if self.retry_in is not None:
            changes.update(RETRY_PENDING_VALUES)
        changes["lease_expires_at"] = None
        if connection is not None:
            _finish_with_attempt(connection, changes, parameters)
        else:
            with single_statements(runtime) as own:
                _finish_with_attempt(own, changes, parameters)
        self.closed = True
        return True

    def _attempt_values(self, record: ExecutionRecord) -> dict[str, Any]:
        """Decide on a retry, and return the parameters that close the attempt row."""
        self.retry_in = _retry_delay(self.handle, record.status, record.error_code, self.attempt)
        retrying = self.retry_in is not None
        return {
            "key_id": self.execution_id,
            "key_attempt": self.attempt,
            "new_status": "retrying" if retrying else record.status,
            "new_finished_at": record.finished_at or utcnow(),
            "new_error_code": record.error_code,
            "new_error_message": record.error_message,
        }


def _finish_with_attempt(connection: Connection, changes: dict[str, Any], attempt: dict[str, Any]) -> None:
    """Run ``_FINISH_WITH_ATTEMPT``, setting the execution columns that ``changes`` names.

    It runs on psycopg's cursor, which saves most of its Python time, unless a listener
    of SQLAlchemy's cursor events watches the connection, so that tracing still receives it.
    """
    if not uses_driver_cursor(connection) or watches_statements(connection):
        connection.execute(_FINISH_WITH_ATTEMPT, {**changes, **attempt})
        return
    statement = _finish_statement(connection.dialect, tuple(changes))
    execute_on_driver(connection, statement.sql, statement.parameters({**changes, **attempt}))


@lru_cache(maxsize=256)
def _finish_statement(dialect: Dialect, columns: tuple[str, ...]) -> DriverStatement:
    """Return ``_FINISH_WITH_ATTEMPT`` in the driver's SQL for one set of execution columns.

    A set depends on which of the record's optional columns (locks, progress) are
    filled, so an application has a handful of them.
    """
    return compile_for_driver(_FINISH_WITH_ATTEMPT, dialect, (*columns, *_ATTEMPT_KEYS))


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


def _owner_ended_here(runtime: Runtime, execution_id: str) -> str | None:
    """Mark ``execution_id`` abandoned if the process running it was on this host and has
    ended, and return the reason (``process 4653 on vm ended ...``); else return ``None``."""
    row = runtime.store.find_execution(execution_id)
    if row is None or not mark_abandoned(runtime.engine, [row]):
        return None
    return abandon_reason(row)


def _not_claimed(call: QueuedCall, outcome: NotClaimed) -> WorkerOutcome:
    extra = {"queued_execution_id": call.execution_id}
    if outcome.reason == "missing":
        logger.error("no execution %s of %s in the execution log; the message is dropped. Is this worker "
                     "on the same database as the sender?", call.execution_id, call.operation, extra=extra)
        return WorkerOutcome(None, note="missing")
    if outcome.reason == "finished":
        logger.info("execution %s of %s has already ended (%s); its message is not run",
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


#: The execution columns set when a failed attempt is retried. The row is pending again
#: and keeps the attempt's error as the reason. The attempt's end time and duration
#: are cleared, because its attempt row keeps them.
RETRY_PENDING_VALUES: dict[str, Any] = {
    "status": ExecutionStatus.pending.value, "finished_at": None, "duration_ms": None,
}


def span_attempts(record: ExecutionRecord, attempt: int) -> None:
    """Set the duration of an execution that ends on a later attempt to the time since its first start.

    A claim keeps the first claim's ``started_at``, so the duration covers every attempt
    and the waits between them. Each attempt row keeps its own start and end. A first
    attempt keeps the pipeline's measure of the call.
    """
    if attempt > 1 and record.started_at is not None and record.finished_at is not None:
        record.duration_ms = (record.finished_at - record.started_at).total_seconds() * 1000.0


def _release_for_retry(runtime: Runtime, execution_id: str) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(
            update(executions)
            .where(executions.c.id == execution_id)
            .values(**RETRY_PENDING_VALUES, lease_expires_at=None)
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
    duration_ms: float | None = None,
) -> None:
    """Close the attempt row with the status the attempt ended in; optionally drop the lease.

    ``duration_ms``, with ``clear_lease``, replaces the execution's duration in the same
    transaction (see :func:`span_attempts`).
    """
    values = {
        "key_id": execution_id, "key_attempt": attempt, "new_status": status,
        "new_finished_at": utcnow(), "new_error_code": error_code, "new_error_message": error_message,
    }
    # Parameters that name a column of an update's table set that column too.
    execution_values = {"key_id": execution_id} if duration_ms is None else {"key_id": execution_id, "duration_ms": duration_ms}
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.begin() as connection:
            connection.execute(_PG_FINISH_AND_CLEAR if clear_lease else _PG_FINISH, values)
            if clear_lease and duration_ms is not None:
                connection.execute(_CLEAR_LEASE, execution_values)
        return
    with marker_transaction(runtime) as connection:
        connection.execute(_FINISH_ATTEMPT, values)
        if clear_lease:
            connection.execute(_CLEAR_LEASE, execution_values)


_FINISH_ATTEMPT = (
    update(execution_attempts)
    .where(execution_attempts.c.execution_id == bindparam("key_id"),
           execution_attempts.c.attempt == bindparam("key_attempt"))
    .values(status=bindparam("new_status"), finished_at=bindparam("new_finished_at"),
            error_code=bindparam("new_error_code"), error_message=bindparam("new_error_message"))
)

#: The parameters of ``_FINISH_ATTEMPT`` that are not execution columns.
_ATTEMPT_KEYS = ("key_id", "key_attempt", "new_status", "new_finished_at", "new_error_code", "new_error_message")

_CLEAR_LEASE = update(executions).where(executions.c.id == bindparam("key_id")).values(lease_expires_at=None)

# The final record of a call without a transaction, with its attempt closed, in one
# statement: the attempt's update runs as a CTE, and the parameters name the columns
# of the execution row to set (``final_changes``, the lease, and for a retry the status).
_FINISH_WITH_ATTEMPT = (
    update(executions)
    .where(executions.c.id == bindparam("key_id"))
    .add_cte(_FINISH_ATTEMPT.cte("closed"))
)

# Closing the attempt on PostgreSQL. On its own it takes one statement whose commit
# does not wait for the disk (see ``_PG_CLAIM``); ``_PG_FINISH_AND_CLEAR`` also drops
# the lease. In the transaction of the final record, whose commit waits for the disk,
# it runs without ``set_config``: ``_PG_CLOSE_WITH_RECORD`` drops the lease and sets
# the duration (see ``span_attempts``), and ``_PG_CLOSE_FOR_RETRY`` puts the execution
# back to pending instead, without the attempt's end time and duration.
_CLOSE_ATTEMPT = f"""
UPDATE {execution_attempts.fullname}
SET status = :new_status, finished_at = :new_finished_at, error_code = :new_error_code,
    error_message = :new_error_message
WHERE execution_id = :key_id AND attempt = :key_attempt
"""

_SKIP_DISK_WAIT = "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"

_DROP_LEASE = f"UPDATE {executions.fullname} SET lease_expires_at = NULL WHERE id = :key_id"

_DROP_LEASE_WITH_DURATION = (
    f"UPDATE {executions.fullname} SET lease_expires_at = NULL, duration_ms = :duration_ms WHERE id = :key_id"
)

_PG_FINISH = text(f"{_CLOSE_ATTEMPT}{_SKIP_DISK_WAIT}")

_PG_FINISH_AND_CLEAR = text(f"WITH closed AS ({_CLOSE_ATTEMPT}{_SKIP_DISK_WAIT})\n{_DROP_LEASE}")

_PG_CLOSE_WITH_RECORD = text(f"WITH closed AS ({_CLOSE_ATTEMPT})\n{_DROP_LEASE_WITH_DURATION}")

_PG_CLOSE_FOR_RETRY = text(
    f"WITH closed AS ({_CLOSE_ATTEMPT})\n"
    f"UPDATE {executions.fullname} SET status = :pending, finished_at = NULL, duration_ms = NULL, "
    "lease_expires_at = NULL WHERE id = :key_id"
)


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
