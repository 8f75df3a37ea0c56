"""Find executions whose process died while they ran, and mark them abandoned.

A process killed with SIGKILL (or by the out-of-memory killer, or a power cut) never
writes its final record, so the record stays ``running`` after the locks it held have
been freed by their leases. A reader on the same host can tell, because the record
names the host and process id that ran it: when that process no longer exists, the
execution is abandoned. Another host's process table is out of reach, so a record of
another host is abandoned only once its lease has expired. On PostgreSQL a process
renews the lease of its running records while they run, and a worker renews the lease
of the execution it claimed.

NOTE: a process id reused by an unrelated process after the crash hides the crash
until that process ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import OperationalError

from opsgen.runtime.schema import ExecutionStatus, executions
from opsgen.runtime.store import HOST

logger = logging.getLogger(__name__)


def process_alive(pid: int) -> bool:
    """Return whether a process with ``pid`` runs on this host.

    A zombie, a process that has ended but that its parent has not reaped yet, counts
    as ended: a killed Celery prefork child is one until its pool notices.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Return whether ``pid`` is a zombie, from ``/proc`` (false where there is no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read()
    except OSError:
        return False
    # The state follows the command name in parentheses, which may itself hold spaces.
    return fields[fields.rfind(b")") + 2:][:1] == b"Z"


def is_abandoned(row: Mapping[str, Any], host: str = HOST) -> bool:
    """Return whether the running execution ``row`` ended without its final record.

    That is so when its process on ``host`` has ended, or, on any host, when the lease
    of its running record has expired: its process renews the lease while it runs
    (see :mod:`opsgen.runtime.markers`).
    """
    if row.get("status") != ExecutionStatus.running.value:
        return False
    if lease_expired(row):
        return True
    if row.get("host") != host:
        return False
    pid = row.get("pid")
    return isinstance(pid, int) and pid > 0 and not process_alive(pid)


def lease_expired(row: Mapping[str, Any]) -> bool:
    """Return whether ``row`` has a lease that has expired; a naive time is taken as UTC."""
    until = row.get("lease_expires_at")
    if not isinstance(until, datetime):
        return False
    if until.tzinfo is None:
        until = until.replace(tzinfo=timezone.utc)
    return until < datetime.now(timezone.utc)


def abandon_reason(row: Mapping[str, Any]) -> str:
    """Return the error message of an abandoned record."""
    if lease_expired(row):
        return (f"the lease of its running record expired at {row['lease_expires_at']}: process "
                f"{row['pid']} on {row['host']} stopped renewing it, so it ended or lost the database")
    return f"process {row['pid']} on {row['host']} ended before the execution finished"


def mark_abandoned(engine: Engine, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Mark the running executions among ``rows`` that :func:`is_abandoned` finds as abandoned.

    Returns the ids it marked. The update only applies to records still ``running``,
    so a process that finished in the meantime keeps its final status.
    """
    marked: list[str] = []
    for row in rows:
        if not is_abandoned(row):
            continue
        message = abandon_reason(row)
        try:
            changed = _mark_one(engine, row, message)
        except OperationalError as exc:
            # A SQLite log whose writer another transaction holds: the next sweep retries.
            logger.debug("execution %s stays running while the log is busy: %s", row["id"], exc)
            continue
        if changed:
            logger.warning("execution %s (%s) marked abandoned: %s", row["id"], row.get("operation"), message)
            marked.append(str(row["id"]))
    return marked


def _mark_one(engine: Engine, row: Mapping[str, Any], message: str) -> int:
    from opsgen.runtime.live import PROMPT_WRITE_TIMEOUT, write_soon

    writer = write_soon(engine, PROMPT_WRITE_TIMEOUT) if engine.dialect.name == "sqlite" else engine.begin()
    statement = (
        update(executions)
        .where(executions.c.id == row["id"], executions.c.status == ExecutionStatus.running.value)
        .values(
            status=ExecutionStatus.abandoned.value,
            error_code="abandoned",
            error_message=message,
            finished_at=datetime.now(timezone.utc),
        )
    )
    with writer as connection:
        return int(connection.execute(statement).rowcount)


def sweep_abandoned(engine: Engine) -> list[str]:
    """Mark every running execution that :func:`is_abandoned` finds as abandoned; return their ids."""
    query = select(executions).where(
        executions.c.status == ExecutionStatus.running.value,
        or_(executions.c.host == HOST, executions.c.lease_expires_at < datetime.now(timezone.utc)),
    )
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    marked = mark_abandoned(engine, rows)

    from opsgen.runtime.store import ExecutionStore

    marked += ExecutionStore(engine).collect_abandoned()

    # On SQLite the running markers live in a file beside the database.
    from opsgen.runtime.live import PROMPT_WRITE_TIMEOUT, LiveStore, live_path_for

    path = live_path_for(engine)
    if path is not None and path.exists():
        try:
            moved = LiveStore(path, engine).move_staged(wait=PROMPT_WRITE_TIMEOUT)
        except OperationalError as exc:
            # Another transaction holds the log's writer. The rows stay in the live
            # file, where readers see them, and the next sweep moves them.
            logger.debug("abandoned markers stay in %s while the log is busy: %s", path, exc)
            return marked
        marked += [str(row["id"]) for row in moved if row["status"] == ExecutionStatus.abandoned.value]
    return marked
