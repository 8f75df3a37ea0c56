"""The execution log: one row per operation call, written through SQLAlchemy Core.

A record is written at most three times. The insert marks the call running. It goes
through a short transaction of its own, so the call is visible while it runs. When a
transaction is already open the insert joins it instead, because a second connection
would wait for SQLite's single writer. The final update joins the operation's
transaction on success, which saves a commit. After a rollback the record is written
again on its own connection, so a failed call is always logged, with its
error, even though its writes are gone.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from opsgen.runtime.progress import ProgressSnapshot
from opsgen.runtime.schema import effects, executions

HOST = socket.gethostname()

#: This process's id, refreshed in a forked child.
_process = {"pid": os.getpid()}
os.register_at_fork(after_in_child=lambda: _process.update(pid=os.getpid()))


def current_pid() -> int:
    """Return this process's id without a system call."""
    return _process["pid"]


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


@dataclass(eq=False)
class ExecutionRecord:
    """The in-memory state of one execution row; ``input`` is already redacted."""

    id: str
    operation: str
    operation_version: int
    status: str
    parent_id: str | None
    root_id: str
    actor: str | None
    organization: str | None
    request_id: str | None
    correlation_id: str | None
    context_extra: dict[str, str] | None
    input: Any
    created_at: datetime
    started_at: datetime | None = None
    output: Any = None
    error_code: str | None = None
    error_message: str | None = None
    error_details: Any = None
    traceback: str | None = None
    finished_at: datetime | None = None
    duration_ms: float | None = None
    pid: int = field(default_factory=current_pid)
    lock_keys: list[str] | None = None
    singleton_key: str | None = None
    fencing_token: int | None = None
    progress: ProgressSnapshot | None = None
    #: Whether a row for this record is visible from the connection that writes next.
    written: bool = False

    def values(self) -> dict[str, Any]:
        """Return the column values of the row."""
        return {
            "id": self.id,
            "operation": self.operation,
            "operation_version": self.operation_version,
            "status": self.status,
            "parent_id": self.parent_id,
            "root_id": self.root_id,
            "actor": self.actor,
            "organization": self.organization,
            "request_id": self.request_id,
            "correlation_id": self.correlation_id,
            "context_extra": self.context_extra,
            "input": self.input,
            "output": self.output,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "error_details": self.error_details,
            "traceback": self.traceback,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_ms": self.duration_ms,
            "host": HOST,
            "pid": self.pid,
            **self.guard_values(),
            **self.progress_values(),
        }

    def final_values(self) -> dict[str, Any]:
        """Return the columns that change when the execution finishes."""
        return {
            "status": self.status,
            "output": self.output,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "error_details": self.error_details,
            "traceback": self.traceback,
            "finished_at": self.finished_at,
            "duration_ms": self.duration_ms,
            **self.guard_values(),
            **self.progress_values(),
        }

    def guard_values(self) -> dict[str, Any]:
        """Return the lock and singleton columns."""
        return {"lock_keys": self.lock_keys, "singleton_key": self.singleton_key, "fencing_token": self.fencing_token}

    def progress_values(self) -> dict[str, Any]:
        """Return the progress columns; empty when the execution reported no progress."""
        if self.progress is None:
            return {}
        return progress_columns(self.progress)


def progress_columns(snapshot: ProgressSnapshot) -> dict[str, Any]:
    """Return the execution columns that store ``snapshot``."""
    return {
        "progress_total": snapshot.total,
        "progress_done": snapshot.done,
        "progress_message": snapshot.message,
        "progress_updated_at": datetime.fromtimestamp(snapshot.updated_at, timezone.utc),
    }


# Statements built once: the columns come from the parameters at execution time, so
# SQLAlchemy compiles each shape once and caches it, instead of coercing every value
# of a fresh ``.values()`` on each call.
_INSERT = insert(executions)
_UPDATE_BY_ID = update(executions).where(executions.c.id == bindparam("record_id"))


class ExecutionStore:
    """Writes and reads execution records and effect rows on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, record: ExecutionRecord, connection: Connection | None = None, *, flush: bool = True) -> None:
        """Insert the record, or update it when a row is already visible.

        With ``connection`` the write joins that connection's open transaction;
        without it the write commits on a short transaction of its own. With
        ``flush=False`` that commit does not wait for the disk on PostgreSQL
        (``synchronous_commit`` off): the next durable commit of the server flushes it,
        and a crash before then loses only a running marker.
        """
        if connection is None:
            with self.engine.begin() as own:
                if not flush and self.engine.dialect.name == "postgresql":
                    own.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                self._write(record, own)
        else:
            self._write(record, connection)
        record.written = True

    def rewrite(self, record: ExecutionRecord, connection: Connection | None = None) -> None:
        """Write the record after a rollback that may or may not have removed its row."""
        record.written = False
        if connection is None:
            with self.engine.begin() as own:
                self._upsert(record, own)
        else:
            self._upsert(record, connection)
        record.written = True

    def _write(self, record: ExecutionRecord, connection: Connection) -> None:
        # Columns left NULL are not sent: binding fewer values is most of the saving on a
        # small row, and a row written by this path never needs a value reset to NULL.
        if record.written:
            changes = {key: value for key, value in record.final_values().items() if value is not None}
            connection.execute(_UPDATE_BY_ID, {"record_id": record.id, **changes})
        else:
            values = {key: value for key, value in record.values().items() if value is not None}
            connection.execute(_INSERT, values)

    def _upsert(self, record: ExecutionRecord, connection: Connection) -> None:
        values = record.values()
        values.pop("id")
        changed = connection.execute(_UPDATE_BY_ID, {"record_id": record.id, **values}).rowcount
        if not changed:
            connection.execute(_INSERT, record.values())

    def progress_writer(self, execution_id: str) -> Callable[[ProgressSnapshot], None]:
        """Return a writer that stores progress on the record in a short transaction of its own.

        A record inserted inside a transaction that has not committed yet is invisible to
        that short transaction, so its progress shows only once the record is final.
        """

        def write(snapshot: ProgressSnapshot) -> None:
            statement = update(executions).where(executions.c.id == execution_id).values(progress_columns(snapshot))
            with self.engine.begin() as connection:
                connection.execute(statement)

        return write

    def insert_effects(self, rows: Sequence[dict[str, Any]], connection: Connection | None = None) -> None:
        """Insert effect rows, in ``connection``'s transaction or on a short one of their own."""
        if not rows:
            return
        if connection is None:
            with self.engine.begin() as own:
                own.execute(insert(effects), list(rows))
        else:
            connection.execute(insert(effects), list(rows))

    def list_executions(
        self,
        *,
        limit: int = 50,
        status: Sequence[str] = (),
        operation: str | None = None,
        roots_only: bool = False,
    ) -> list[dict[str, Any]]:
        """Return the newest records first, filtered by status, operation name and depth."""
        query = select(executions).order_by(executions.c.created_at.desc()).limit(limit)
        if status:
            query = query.where(executions.c.status.in_(list(status)))
        if operation:
            query = query.where(executions.c.operation == operation)
        if roots_only:
            query = query.where(executions.c.parent_id.is_(None))
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def find_execution(self, id_or_prefix: str) -> dict[str, Any] | None:
        """Return the record whose id is ``id_or_prefix`` or the only one starting with it.

        Raises ``LookupError`` listing the candidates when a prefix matches several.
        """
        with self.engine.connect() as connection:
            row = connection.execute(select(executions).where(executions.c.id == id_or_prefix)).first()
            if row is not None:
                return dict(row._mapping)
            rows = connection.execute(
                select(executions).where(executions.c.id.startswith(id_or_prefix, autoescape=True)).limit(5)
            ).all()
        if len(rows) > 1:
            ids = ", ".join(row.id for row in rows)
            raise LookupError(f"execution id prefix {id_or_prefix!r} matches several: {ids}")
        return dict(rows[0]._mapping) if rows else None

    def tree(self, root_id: str) -> list[dict[str, Any]]:
        """Return every record of the call tree that starts at ``root_id``, oldest first."""
        query = select(executions).where(executions.c.root_id == root_id).order_by(executions.c.created_at)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def effects_of(self, execution_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Return the effect rows of the given executions in the order they were requested."""
        query = (
            select(effects)
            .where(effects.c.execution_id.in_(list(execution_ids)))
            .order_by(effects.c.created_at, effects.c.sequence)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
