"""A worker's claim on a queued execution, and the attempt row it opens.

One conditional ``UPDATE`` takes a pending execution, an abandoned one, or a running
one whose lease expired. On PostgreSQL the claim and its attempt row are one statement
that commits on its own; on SQLite they share a short transaction. A claim that finds
no row can insert the record rebuilt from the message, already claimed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    column,
    func,
    insert,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from opsgen.integrations.background.database import (
    aware,
    execute_on_driver,
    marker_transaction,
    single_statements,
    uses_driver_cursor,
)
from opsgen.runtime.database import SQLITE_BUSY_TIMEOUT
from opsgen.runtime.runtime import Runtime
from opsgen.runtime.schema import ExecutionStatus, execution_attempts, executions
from opsgen.runtime.store import HOST, ExecutionRecord, utcnow


logger = logging.getLogger(__name__)

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


#: Builds the pending record of an execution that the log lacks, from its message.
Rebuild = Callable[[], ExecutionRecord]


#: Error message of an attempt row whose worker died, when the claim can tell only that the
#: lease expired. Its error code is ``abandoned``.
ABANDONED_NOTE = "the worker stopped renewing its lease"


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
    abandoned_note: str = ABANDONED_NOTE,
) -> Claimed | NotClaimed:
    """Claim ``execution_id`` for this process: pending, abandoned, or running with an expired lease.

    When the log has no row for ``execution_id`` and ``rebuild`` is given, the claim
    inserts the record ``rebuild`` returns, already running under this worker's lease,
    with its first attempt row. If a row with that id exists by then, from another
    worker's rebuild or the sender's late commit, the insert does nothing and that row
    is claimed as usual, or not. ``rebuild`` is called only after the usual claim has
    missed. Without it a missing execution returns ``NotClaimed("missing")``.

    An attempt row still running, whose worker died, ends as abandoned with
    ``abandoned_note`` as its error message.
    """
    if runtime.engine.dialect.name == "postgresql":
        return _claim_in_one_statement(
            runtime, execution_id, lease=lease, delivery=delivery, rebuild=rebuild, abandoned_note=abandoned_note
        )
    return _claim_in_transaction(
        runtime, execution_id, lease=lease, delivery=delivery, rebuild=rebuild, abandoned_note=abandoned_note
    )


def _claim_in_transaction(
    runtime: Runtime,
    execution_id: str,
    *,
    lease: float,
    delivery: str | None,
    rebuild: Rebuild | None,
    abandoned_note: str = ABANDONED_NOTE,
) -> Claimed | NotClaimed:
    now = utcnow()
    with marker_transaction(runtime) as connection:
        row = connection.execute(
            update(executions)
            .where(executions.c.id == execution_id, claimable(now))
            .values(
                status=ExecutionStatus.running.value,
                started_at=func.coalesce(executions.c.started_at, now),
                host=HOST,
                pid=os.getpid(),
                lease_expires_at=now + timedelta(seconds=lease),
                **{name: null() for name in EARLIER_ATTEMPT_COLUMNS},
            )
            .returning(*executions.c)
        ).first()
        if row is not None:
            return _open_attempt(connection, dict(row._mapping), now, delivery, rebuilt=False, note=abandoned_note)

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
    return _claim_in_transaction(
        runtime, execution_id, lease=lease, delivery=delivery, rebuild=None, abandoned_note=abandoned_note
    )


#: The execution columns that an earlier attempt's end wrote and that a claim clears,
#: because the row of a retried or taken-over execution is running again. Its attempt
#: rows keep each attempt's times and error. ``started_at`` stays the first claim's time.
EARLIER_ATTEMPT_COLUMNS = (
    "finished_at", "duration_ms", "output", "error_code", "error_message", "error_details", "traceback",
)


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
    connection: Connection,
    row: dict[str, Any],
    now: datetime,
    delivery: str | None,
    *,
    rebuilt: bool,
    note: str = ABANDONED_NOTE,
) -> Claimed:
    """Add the attempt row of a claim made on ``connection``'s transaction; mark running ones
    abandoned with ``note`` as their error message."""
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
            .values(status=ExecutionStatus.abandoned.value, finished_at=now,
                    error_code=ExecutionStatus.abandoned.value, error_message=note)
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
# ``SET LOCAL`` would, but without a round trip of its own. It also works when the
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
    SET status = :abandoned, finished_at = :now, error_code = :abandoned, error_message = :note
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
    SET status = :running, started_at = COALESCE(started_at, :now), host = :host, pid = :pid,
        lease_expires_at = :lease_until, {", ".join(f"{name} = NULL" for name in EARLIER_ATTEMPT_COLUMNS)}
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
    runtime: Runtime,
    execution_id: str,
    *,
    lease: float,
    delivery: str | None,
    rebuild: Rebuild | None = None,
    abandoned_note: str = ABANDONED_NOTE,
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
        "note": abandoned_note,
        "running": ExecutionStatus.running.value,
        "pending": ExecutionStatus.pending.value,
        "abandoned": ExecutionStatus.abandoned.value,
    }
    found: dict[str, Any] | NotClaimed | None = None
    with single_statements(runtime) as connection:
        if uses_driver_cursor(connection):
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
        return _claim_in_one_statement(
            runtime, execution_id, lease=lease, delivery=delivery, abandoned_note=abandoned_note
        )
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

    psycopg already returns the types the record needs: aware datetimes and parsed JSON.
    """
    row = execute_on_driver(connection, _claim_sql(connection.dialect), parameters, fetch=True)
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
        retry_in = max(0.5, (aware(lease_expires_at) - now).total_seconds() + 0.5)
    return NotClaimed("finished" if status in FINISHED else "busy", status, retry_in)


def _is_claimable(status: str, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Return whether :func:`claimable` holds for an execution in ``status`` with that lease."""
    if status in (ExecutionStatus.pending.value, ExecutionStatus.abandoned.value):
        return True
    return status == ExecutionStatus.running.value and lease_expires_at is not None and aware(lease_expires_at) < now


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
        context_extra=row["context_extra"], input=row["input"], created_at=aware(row["created_at"]),
        started_at=aware(row["started_at"]) if row["started_at"] else None,
    )
    record.written = True
    return record
