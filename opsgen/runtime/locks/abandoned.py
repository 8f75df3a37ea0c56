"""Find executions whose process died while they ran, and mark them abandoned.

A process killed with SIGKILL (or by the out-of-memory killer, or a power cut) never
writes its final record, so the record stays ``running`` after the locks it held have
been freed by their leases. A reader on the same host can tell, because the record
names the host and process id that ran it: when that process no longer exists, the
execution is abandoned. Records of other hosts are left alone, since their process
table is out of reach.

NOTE: a process id reused by an unrelated process after the crash hides the crash
until that process ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, select, update

from opsgen.runtime.schema import ExecutionStatus, executions
from opsgen.runtime.store import HOST

logger = logging.getLogger(__name__)


def process_alive(pid: int) -> bool:
    """Return whether a process with ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_abandoned(row: Mapping[str, Any], host: str = HOST) -> bool:
    """Return whether the running execution ``row`` belongs to a process of ``host`` that has ended."""
    if row.get("status") != ExecutionStatus.running.value or row.get("host") != host:
        return False
    pid = row.get("pid")
    return isinstance(pid, int) and pid > 0 and not process_alive(pid)


def mark_abandoned(engine: Engine, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Mark the running executions among ``rows`` whose process ended on this host as abandoned.

    Returns the ids it marked. The update only applies to records still ``running``,
    so a process that finished in the meantime keeps its final status.
    """
    marked: list[str] = []
    for row in rows:
        if not is_abandoned(row):
            continue
        message = f"process {row['pid']} on {row['host']} ended before the execution finished"
        with engine.begin() as connection:
            changed = connection.execute(
                update(executions)
                .where(executions.c.id == row["id"], executions.c.status == ExecutionStatus.running.value)
                .values(
                    status=ExecutionStatus.abandoned.value,
                    error_code="abandoned",
                    error_message=message,
                    finished_at=datetime.now(timezone.utc),
                )
            ).rowcount
        if changed:
            logger.warning("execution %s (%s) marked abandoned: %s", row["id"], row.get("operation"), message)
            marked.append(str(row["id"]))
    return marked


def sweep_abandoned(engine: Engine) -> list[str]:
    """Mark every running execution of this host whose process ended as abandoned; return their ids."""
    query = select(executions).where(
        executions.c.status == ExecutionStatus.running.value, executions.c.host == HOST
    )
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    marked = mark_abandoned(engine, rows)

    from opsgen.runtime.store import ExecutionStore

    marked += ExecutionStore(engine).collect_abandoned()

    # On SQLite the running markers live in a file beside the database.
    from opsgen.runtime.live import SWEEP_WAIT, LiveStore, live_path_for

    path = live_path_for(engine)
    if path is not None and path.exists():
        moved = LiveStore(path, engine).move_staged(wait=SWEEP_WAIT)
        marked += [str(row["id"]) for row in moved if row["status"] == ExecutionStatus.abandoned.value]
    return marked
