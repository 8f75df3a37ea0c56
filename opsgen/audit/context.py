"""The audit context: who is writing, in which execution, on behalf of which operation.

The runtime calls :func:`set_audit_context` at the start of each top-level transaction,
and every change the capture triggers record in that transaction carries the context.
A write made without it (a ``psql`` or ``sqlite3`` session, a migration, a script) is
still recorded, with origin ``raw``.

PostgreSQL keeps the context in transaction-local settings written in one round trip, so
it ends with the transaction and never leaks to the next client of a pooled connection.
SQLite has no such settings that triggers fired by other connections could read, so the
context is a one-row table written inside the transaction and cleared by a ``commit``
listener just before the commit; a rollback discards it along with the changes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

logger = logging.getLogger(__name__)

_CONTEXT_SET = "opsgen_audit_context_set"


@dataclass(frozen=True)
class AuditContext:
    """What the audit trail records about the writer of a transaction.

    ``expected_entities`` lists the entities the operation declares it changes; a change
    to any other entity is reported as unexpected. ``None`` means no declaration is
    known, so no change is judged.
    """

    execution_id: str | None = None
    actor: str | None = None
    operation: str | None = None
    trace_id: str | None = None
    expected_entities: tuple[str, ...] | None = None

    def settings(self) -> dict[str, str]:
        """Return the values as stored: empty strings stand for "not set"."""
        expected = "" if self.expected_entities is None else json.dumps(sorted(self.expected_entities))
        return {
            "execution_id": self.execution_id or "",
            "actor": self.actor or "",
            "operation": self.operation or "",
            "trace_id": self.trace_id or "",
            "expected": expected,
        }


def set_audit_context(connection: sa.Connection, context: AuditContext) -> None:
    """Attach ``context`` to the transaction open on ``connection``.

    Call it at the start of a top-level transaction, before its first write. It begins
    the transaction if none is open. The context lasts until that transaction ends,
    whether it commits or rolls back; on SQLite the write also takes the database's
    write lock, as any write would.
    """
    settings = context.settings()
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "SELECT set_config('opsgen.execution_id', :execution_id, true), "
                "set_config('opsgen.actor', :actor, true), "
                "set_config('opsgen.operation', :operation, true), "
                "set_config('opsgen.trace_id', :trace_id, true), "
                "set_config('opsgen.expected', :expected, true)"
            ),
            settings,
        )
        return

    if connection.dialect.name == "sqlite":
        _listen_for_commit(connection.engine)
        connection.execute(
            sa.text(
                "UPDATE opsgen_audit_context SET execution_id = :execution_id, actor = :actor, "
                "operation = :operation, trace_id = :trace_id, expected = :expected, transaction_id = NULL "
                "WHERE id = 1"
            ),
            {name: (value or None) for name, value in settings.items()},
        )
        connection.info[_CONTEXT_SET] = True
        return

    raise NotImplementedError(f"audit capture supports postgresql and sqlite, not {connection.dialect.name}")


def clear_audit_context(connection: sa.Connection) -> None:
    """Remove the context from the open transaction, so later writes in it count as raw."""
    if connection.dialect.name == "postgresql":
        set_audit_context(connection, AuditContext())
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql(_CLEAR_SQLITE)
        connection.info.pop(_CONTEXT_SET, None)


_CLEAR_SQLITE = (
    "UPDATE opsgen_audit_context SET execution_id = NULL, actor = NULL, operation = NULL, "
    "trace_id = NULL, expected = NULL, transaction_id = NULL WHERE id = 1"
)


def _listen_for_commit(engine: sa.Engine) -> None:
    if event.contains(engine, "commit", _clear_before_commit):
        return
    event.listen(engine, "commit", _clear_before_commit)
    event.listen(engine, "rollback", _forget_context)


def _clear_before_commit(connection: sa.Connection) -> None:
    # SQLAlchemy fires "commit" just before the DBAPI commit, inside the transaction, so
    # the cleared row commits atomically with the changes it describes. The statement
    # goes straight to the driver because the SQLAlchemy transaction is already closing.
    # NOTE: a commit made on the raw DBAPI connection skips this listener and leaves the
    # context in place for the next writer without one.
    if not connection.info.pop(_CONTEXT_SET, False):
        return
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_CLEAR_SQLITE)
    finally:
        cursor.close()


def _forget_context(connection: sa.Connection) -> None:
    connection.info.pop(_CONTEXT_SET, None)
