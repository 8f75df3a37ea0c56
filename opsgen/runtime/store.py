"""The execution log: one row per operation call, written through SQLAlchemy Core.

A record is written at most three times. The running marker makes the call visible
while it runs. On PostgreSQL it is the record's insert, in a short transaction of its
own. On a SQLite file it goes to the live file beside the database
(:mod:`opsgen.runtime.live`), because the application's file has one writer, which
the operation may hold. When a transaction is already open the insert joins it
instead. The final write joins the operation's transaction on success, which saves a
commit. After a rollback the record is written again on its own connection, so a
failed call is always logged, with its error, even though its writes are gone.

On SQLite a record written on its own connection waits at most
:data:`~opsgen.runtime.live.PROMPT_WRITE_TIMEOUT` for the writer. When another
transaction holds it longer, the record is staged in the live file and moved into the
log later, so a call is never held up by another call's transaction. Readers of this
store see live rows merged with the log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pathlib import Path

from sqlalchemy import Connection, Engine, Insert, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from opsgen.runtime.database import begin_unflushed, is_sqlite_busy
from opsgen.runtime.journal import InflightJournal, collect_dead, discard

from opsgen.runtime.live import (
    PROMPT_WRITE_TIMEOUT,
    UNFINISHED,
    LiveStore,
    abandoned_row,
    live_path_for,
    store_final_rows,
    write_soon,
)
from opsgen.runtime.markers import DelayedMarkers
from opsgen.runtime.progress import ProgressSnapshot
from opsgen.runtime.record_sql import insert_record
from opsgen.runtime.schema import ExecutionStatus, effects, executions

logger = logging.getLogger(__name__)

HOST = socket.gethostname()

#: Seconds a call runs before its running marker is written to the database (or to the
#: live file on SQLite). Calls that end sooner never write one; the in-flight journal
#: keeps their trace meanwhile.
MARKER_DELAY = 0.1

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
    #: Whether a delayed running marker may insert this record's row at any moment, so
    #: that the next write must be an upsert.
    marker_scheduled: bool = False
    #: The in-flight journal slot of this record while its call runs.
    journal_slot: int | None = None
    #: Whether a worker claimed this record's row, so the log already contains it as running.
    claimed: bool = False
    #: Whether the row may show a waiting note ("waiting for lock ..."), so that the
    #: final record must clear the progress message.
    noted: bool = False

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
_OUTCOME_COLUMNS = frozenset({"output", "error_code", "error_message", "error_details", "traceback"})


def final_changes(record: ExecutionRecord) -> dict[str, Any]:
    """Return the columns that finish the row of ``record`` when the log already contains it.

    Columns left NULL are not sent, since binding fewer values is most of the saving on
    a small row. The outcome columns are always sent, because the row of a retried
    execution contains the error of its earlier attempt. A cleared progress message is sent too when a
    waiting note may be on the row.
    """
    changes = {
        key: value for key, value in record.final_values().items() if value is not None or key in _OUTCOME_COLUMNS
    }
    if record.noted:
        changes.setdefault("progress_message", None)
    return changes
_UPDATE_BY_ID = update(executions).where(executions.c.id == bindparam("record_id"))


class ExecutionStore:
    """Writes and reads execution records and effect rows on one engine.

    ``live`` is the live file of a SQLite file database, ``None`` for other databases.
    ``journal`` is the in-flight journal, in ``journal_dir`` or the default folder of
    :func:`journal_folder_for`; ``None`` where running markers are written synchronously.
    """

    def __init__(self, engine: Engine, journal_dir: Path | None = None) -> None:
        self.engine = engine
        path = live_path_for(engine)
        self.live = LiveStore(path, engine) if path is not None else None
        postgres = engine.dialect.name == "postgresql"
        self.markers = DelayedMarkers(engine) if postgres else None
        folder = journal_dir or journal_folder_for(engine)
        self.journal = InflightJournal(folder) if folder is not None and (self.live or postgres) else None
        #: Seconds a journaled call runs before its running marker is written.
        self.marker_delay = MARKER_DELAY

    def journal_record(self, record: ExecutionRecord) -> None:
        """Keep the record of a call that starts in the in-flight journal until it is stored.

        Leaves ``record.journal_slot`` unset when the store has no journal or the record
        does not fit; :meth:`mark_running` then writes the marker at once.
        """
        if self.journal is not None:
            record.journal_slot = self.journal.enter(record.values())

    def mark_running(self, record: ExecutionRecord, *, delayed: bool = True, note: str | None = None) -> None:
        """Make a record that is not visible yet show as running.

        With ``delayed`` and a journal slot (:meth:`journal_record`), the marker (in the
        live file on SQLite, in the log elsewhere) is written by a background thread
        after :attr:`marker_delay`, and the journal is the call's trace meanwhile.
        Otherwise, or on a database with neither a live file nor delayed markers, the
        marker is written before this returns, which also proves that the log can be
        written.

        ``note`` goes into the marker's progress message; the next marker of the same
        record, or its final record, clears it.
        """
        values = record.values()
        if note is not None:
            values["progress_message"] = note
        slot = record.journal_slot if delayed else None
        if self.live is not None:
            self.live.mark_running(values, delay=0.0 if slot is None else self.marker_delay)
        elif self.markers is not None and slot is not None:
            record.marker_scheduled = True
            self.markers.schedule(values, self.marker_delay)
        elif self.markers is not None:
            self.markers.insert_now(values, replace=record.marker_scheduled)
            record.written = True
            # The next marker replaces this one, clearing its note.
            record.marker_scheduled = record.marker_scheduled or note is not None
        else:
            self.write(record, flush=False)
        record.noted = record.noted or note is not None

    def note_claimed(self, record: ExecutionRecord, note: str | None) -> None:
        """Show ``note`` as the progress message of a claimed record's row; ``None`` clears it.

        A worker's call is running in the log from its claim on, so the note is written
        at once: to the row's live marker on SQLite, to the row itself elsewhere, and
        only while the row is running.
        """
        if self.live is not None:
            values = record.values()
            values["progress_message"] = note
            self.live.mark_running(values, delay=0.0)
        else:
            with begin_unflushed(self.engine) as connection:
                connection.execute(
                    update(executions)
                    .where(executions.c.id == record.id, executions.c.status == ExecutionStatus.running.value)
                    .values(progress_message=note, progress_updated_at=utcnow())
                )
        record.noted = record.noted or note is not None

    def forget_running(self, record: ExecutionRecord, *, stored: bool = True) -> None:
        """Drop the running marker of a finished record, and its journal slot once ``stored``.

        A record whose final state could not be stored keeps its slot, so the journal
        reports it as abandoned after the process ends.
        """
        if self.live is not None:
            self.live.forget(record.id)
        if self.markers is not None:
            self.markers.cancel(record.id)
        if stored and record.journal_slot is not None and self.journal is not None:
            self.journal.leave(record.journal_slot)
            record.journal_slot = None

    def collect_abandoned(self) -> list[str]:
        """Store an ``abandoned`` record for each call the journals of ended processes hold.

        A final record already in the log wins. Returns the ids written.
        """
        if self.journal is None:
            return []
        marked: list[str] = []
        for path, rows in collect_dead(self.journal.directory):
            finals = [abandoned_row(row) for row in rows]
            ids = self._store_finals(finals) if finals else []
            if ids:
                marked += ids
                logger.warning("marked abandoned, from the in-flight journal %s of an ended process: %s",
                               path, ", ".join(ids))
            discard(path)
        return marked

    def _store_finals(self, rows: list[dict[str, Any]]) -> list[str]:
        """Store final records and return the ids written; a final record in the log wins.

        When another reader inserted one of them first, the write is tried once more. On
        SQLite, when another transaction holds the log's writer, the records are staged
        in the live file instead, as any record is (see the module docs).
        """
        for attempt in (1, 2):
            writer = write_soon(self.engine, PROMPT_WRITE_TIMEOUT) if self.live is not None else self.engine.begin()
            try:
                with writer as connection:
                    return store_final_rows(connection, rows)
            except IntegrityError:
                if attempt == 2:
                    raise
            except OperationalError as exc:
                if self.live is None or not is_sqlite_busy(exc):
                    raise
                for row in rows:
                    self.live.stage(row)
                return [str(row["id"]) for row in rows]
        return []

    def write(self, record: ExecutionRecord, connection: Connection | None = None, *, flush: bool = True) -> None:
        """Insert the record, or update it when a row is already visible.

        With ``connection`` the write joins that connection's open transaction;
        without it the write commits on a short transaction of its own. With
        ``flush=False`` that commit does not wait for the disk on PostgreSQL
        (``synchronous_commit`` off): the next durable commit of the server flushes it,
        and a crash before then loses only a running marker. On SQLite a write without
        ``connection`` stages the record when the log stays busy (see the module docs).
        """
        if connection is not None:
            self._write(record, connection)
        elif self.live is not None:
            self._write_promptly(record, self._write)
        else:
            transaction = self.engine.begin() if flush else begin_unflushed(self.engine)
            with transaction as own:
                self._write(record, own)
        record.written = True

    def rewrite(self, record: ExecutionRecord, connection: Connection | None = None) -> None:
        """Write the record after a rollback that may or may not have removed its row."""
        record.written = False
        if connection is not None:
            self._upsert(record, connection)
        elif self.live is not None:
            self._write_promptly(record, self._upsert)
        else:
            with self.engine.begin() as own:
                self._upsert(record, own)
        record.written = True

    def _write_promptly(
        self, record: ExecutionRecord, write: Callable[[ExecutionRecord, Connection], None]
    ) -> None:
        """Write to the SQLite log if its writer frees up soon, else stage the record."""
        assert self.live is not None
        try:
            with write_soon(self.engine, PROMPT_WRITE_TIMEOUT) as connection:
                write(record, connection)
        except OperationalError as exc:
            if not is_sqlite_busy(exc):
                raise
            self.live.stage(record.values())

    def _write(self, record: ExecutionRecord, connection: Connection) -> None:
        # Columns left NULL are not sent: binding fewer values is most of the saving on a
        # small row (see final_changes for an update).
        if record.written:
            connection.execute(_UPDATE_BY_ID, {"record_id": record.id, **final_changes(record)})
        else:
            values = {key: value for key, value in record.values().items() if value is not None}
            if record.marker_scheduled:
                # The marker may carry a note the final record must clear ("waiting for lock ...").
                values.setdefault("progress_message", None)
            if insert_record(connection, values, upsert=record.marker_scheduled):
                return
            connection.execute(_postgresql_upsert(tuple(values)) if record.marker_scheduled else _INSERT, values)

    def _upsert(self, record: ExecutionRecord, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            values = record.values()
            connection.execute(_postgresql_upsert(tuple(values)), values)
            return
        values = record.values()
        values.pop("id")
        changed = connection.execute(_UPDATE_BY_ID, {"record_id": record.id, **values}).rowcount
        if not changed:
            connection.execute(_INSERT, record.values())

    def progress_writer(self, execution_id: str) -> Callable[[ProgressSnapshot], None]:
        """Return a writer that stores progress where readers see it while the call runs.

        On SQLite that is the execution's running marker in the live file. Elsewhere the
        writer updates the record in a short transaction of its own; a record inserted
        inside a transaction that has not committed yet is invisible to it there, so its
        progress shows only once the record is final.
        """
        live = self.live
        if live is not None and live.tracks(execution_id):

            def queue(snapshot: ProgressSnapshot) -> None:
                live.update_progress(execution_id, progress_columns(snapshot))

            return queue

        markers = self.markers

        def write(snapshot: ProgressSnapshot) -> None:
            if markers is not None:
                markers.write_now(execution_id)  # the row to update may still wait for its delay
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
        actor: str | None = None,
        request_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Return the newest records first, filtered by status, operation name, depth, actor and request id."""
        self._prepare_read()
        # Live rows first: reading them may move staged records into the log, which the
        # query below must then see.
        live = self._live_rows()
        query = select(executions).order_by(executions.c.created_at.desc()).limit(limit)
        if status:
            query = query.where(executions.c.status.in_(list(status)))
        if operation:
            query = query.where(executions.c.operation == operation)
        if roots_only:
            query = query.where(executions.c.parent_id.is_(None))
        if actor is not None:
            query = query.where(executions.c.actor == actor)
        if request_id is not None:
            query = query.where(executions.c.request_id == request_id)
        with self.engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        if not live:
            return rows

        live = {
            key: row for key, row in live.items()
            if (not operation or row["operation"] == operation) and not (roots_only and row["parent_id"])
            and (actor is None or row.get("actor") == actor) and (request_id is None or row.get("request_id") == request_id)
        }
        merged = {row["id"]: row for row in rows}
        logged = self._log_rows([key for key in live if key not in merged])
        for key, live_row in live.items():
            merged[key] = merge_live(merged.get(key) or logged.get(key), live_row)
        selected = [row for row in merged.values() if not status or row["status"] in status]
        selected.sort(key=lambda row: row["created_at"], reverse=True)
        return selected[:limit]

    def cancel_if_pending(self, execution_id: str, code: str, message: str) -> bool:
        """Finish a pending execution as cancelled; ``False`` when it is not pending in the log.

        One conditional ``UPDATE``, so a worker's claim and the cancel cannot both win:
        the claim takes only a pending row, and this changes only a pending one.
        """
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(executions)
                .where(executions.c.id == execution_id, executions.c.status == ExecutionStatus.pending.value)
                .values(status=ExecutionStatus.cancelled.value, error_code=code, error_message=message,
                        finished_at=utcnow(), lease_expires_at=None)
            ).rowcount
        return bool(changed)

    def find_execution(self, id_or_prefix: str) -> dict[str, Any] | None:
        """Return the record whose id is ``id_or_prefix`` or the only one starting with it.

        Raises ``LookupError`` listing the candidates when a prefix matches several.
        """
        self._prepare_read()
        live = self._live_rows()
        with self.engine.connect() as connection:
            row = connection.execute(select(executions).where(executions.c.id == id_or_prefix)).first()
            if row is not None:
                return merge_live(dict(row._mapping), live.get(id_or_prefix))
            rows = connection.execute(
                select(executions).where(executions.c.id.startswith(id_or_prefix, autoescape=True)).limit(5)
            ).all()
        found = {row.id: dict(row._mapping) for row in rows}
        for key, live_row in live.items():
            if key.startswith(id_or_prefix):
                found[key] = merge_live(found.get(key) or self._log_rows([key]).get(key), live_row)
        if len(found) > 1:
            ids = ", ".join(sorted(found))
            raise LookupError(f"execution id prefix {id_or_prefix!r} matches several: {ids}")
        return next(iter(found.values()), None)

    def tree(self, root_id: str) -> list[dict[str, Any]]:
        """Return every record of the call tree that starts at ``root_id``, oldest first."""
        self._prepare_read()
        live = {key: row for key, row in self._live_rows().items() if row["root_id"] == root_id}
        query = select(executions).where(executions.c.root_id == root_id).order_by(executions.c.created_at)
        with self.engine.connect() as connection:
            rows = {row.id: dict(row._mapping) for row in connection.execute(query)}
        if not live:
            return list(rows.values())
        for key, live_row in live.items():
            rows[key] = merge_live(rows.get(key), live_row)
        return sorted(rows.values(), key=lambda row: row["created_at"])

    def close(self) -> None:
        """Write this process's queued live state and move its staged records into the log."""
        if self.live is not None:
            self.live.close()
        if self.markers is not None:
            self.markers.close()
        if self.journal is not None:
            self.journal.close()

    def _prepare_read(self) -> None:
        """Write this process's delayed markers and collect the journals of ended processes.

        A busy SQLite log leaves the journals for the next reader.
        """
        if self.markers is not None:
            self.markers.write_now()
        try:
            self.collect_abandoned()
        except OperationalError as exc:
            logger.debug("in-flight journals of ended processes stay for the next reader: %s", exc)
        except SQLAlchemyError as exc:
            logger.warning("in-flight journals of ended processes stay for the next reader: %s", exc)

    def _log_rows(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        with self.engine.connect() as connection:
            query = select(executions).where(executions.c.id.in_(list(ids)))
            return {row.id: dict(row._mapping) for row in connection.execute(query)}

    def _live_rows(self) -> dict[str, dict[str, Any]]:
        """Return the live rows by id, after this process's queued markers are written.

        Staged records and markers of dead processes are moved into the log first when
        its writer is free; a marker of a dead process that stays is shown as abandoned.
        """
        from opsgen.runtime.locks.abandoned import is_abandoned

        live = self.live
        if live is None:
            return {}
        live.flush()
        rows = live.rows()
        if any(row["status"] != ExecutionStatus.running.value or is_abandoned(row) for row in rows):
            try:
                if live.move_staged():
                    rows = live.rows()
            except OperationalError:
                pass  # the log is busy: show the live rows as they are
        return {row["id"]: abandoned_row(row) if is_abandoned(row) else row for row in rows}

    def effects_of(self, execution_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Return the effect rows of the given executions in the order they were requested."""
        query = (
            select(effects)
            .where(effects.c.execution_id.in_(list(execution_ids)))
            .order_by(effects.c.created_at, effects.c.sequence)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]


def journal_folder_for(engine: Engine) -> Path | None:
    """Return the default in-flight journal folder of a log.

    For a SQLite file ``DIR/NAME.db`` that is ``DIR/NAME.inflight``. For a server
    database it is a folder per database URL under ``$OPSGEN_INFLIGHT_DIR``, or else
    under ``$XDG_STATE_HOME/opsgen/inflight`` (``~/.local/state`` when unset). An
    in-memory database has none.
    """
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if live_path_for(engine) is None or database is None:
            return None
        return Path(database).with_suffix(".inflight")
    base = os.environ.get("OPSGEN_INFLIGHT_DIR")
    if base:
        root = Path(base)
    else:
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        root = Path(state) / "opsgen" / "inflight"
    url = engine.url.render_as_string(hide_password=True)
    return root / hashlib.sha256(url.encode()).hexdigest()[:16]


_UPSERTS: dict[tuple[str, ...], Insert] = {}


def _postgresql_upsert(columns: tuple[str, ...]) -> Insert:
    """Return an insert of ``columns`` that updates them on a row with the same id, built once per shape."""
    statement = _UPSERTS.get(columns)
    if statement is None:
        insert_statement = postgresql_insert(executions)
        statement = insert_statement.on_conflict_do_update(
            index_elements=[executions.c.id],
            set_={name: insert_statement.excluded[name] for name in columns if name != "id"},
        )
        _UPSERTS[columns] = statement
    return statement


def merge_live(logged: dict[str, Any] | None, live: dict[str, Any] | None) -> dict[str, Any]:
    """Return what readers see of an execution with a log row, a live row, or both.

    A final status in the log wins. Otherwise the live row's values override the log's.
    """
    if live is None:
        assert logged is not None
        return logged
    if logged is None:
        return live
    if logged["status"] not in UNFINISHED:
        return logged
    return {**logged, **{key: value for key, value in live.items() if value is not None}}
