"""Attribute a request's own ORM writes to its actor in the audit trail, as operations' writes are.

An operation sets the audit context of its transaction itself. A view that saves a
model directly, or the Django admin, writes with no context, and the audit trail
records the change as a ``raw`` write by the database user. When the runtime has the
audit hook installed (``opsgen.audit.install``), ``OpsgenMiddleware`` wraps the
request's database calls with :class:`RequestAuditContext`. Before the first statement
in each transaction of an ``atomic`` block (a view under ``ATOMIC_REQUESTS``, the
admin's, or one the code opens), it sets the request's actor and request id as that
transaction's audit context, in one extra round trip.

A write outside any atomic block commits on its own, in autocommit mode. When it may
change an audited table, the wrapper runs it in a transaction of its own that starts
with the context, which costs two round trips: ``BEGIN`` with the context, and
``COMMIT``. Writes to other tables, and reads, run as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any

from opsgen.audit.config import table_key
from opsgen.integrations.django.atomic_block import ApplicationBlock
from opsgen.integrations.django.database import AtomicStack, atomic_stack
from opsgen.runtime.context import Context
from opsgen.runtime.runtime import Runtime

#: Sets the transaction-local settings the capture triggers read (see opsgen.audit.context).
SET_CONTEXT_SQL = (
    "SELECT set_config('opsgen.execution_id', '', true), set_config('opsgen.actor', %s, true), "
    "set_config('opsgen.operation', '', true), set_config('opsgen.trace_id', %s, true), "
    "set_config('opsgen.expected', '', true)"
)


class RequestAuditContext:
    """A Django ``execute_wrapper`` that sets the request's audit context once per transaction.

    ``stack`` contains the atomic blocks the runtime's engine entered in this thread.
    Inside one, an operation runs and its own audit hook sets the context, so the
    wrapper does nothing there. After one, it sets the request's context again.
    """

    def __init__(self, context: Context, stack: AtomicStack, audited_tables: Collection[str] = ()) -> None:
        self._parameters = (context.actor or "", context.request_id or "")
        self._stack = stack
        self._audited_tables = frozenset(audited_tables)
        self._begin_with_context: Any = None
        # What held when the context was last set: the transaction's list of commit
        # callbacks, the savepoints open, and the count of the runtime's blocks.
        self._hooks: list[Any] | None = None
        self._savepoints: tuple[str, ...] = ()
        self._entered = -1

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        connection = context["connection"]
        if connection.in_atomic_block and not self._stack.blocks and not self._still_set(connection):
            # On the driver's cursor: the statement in hand may be an executemany, and
            # Django's wrappers and query log need not see this one.
            context["cursor"].cursor.execute(SET_CONTEXT_SQL, self._parameters)
            self._hooks = connection.run_on_commit
            self._savepoints = tuple(connection.savepoint_ids)
            self._entered = self._stack.entered
        elif not connection.in_atomic_block and connection.get_autocommit() and writes_audited(sql, self._audited_tables):
            return self._in_own_transaction(connection.connection, execute, sql, params, many, context)
        return execute(sql, params, many, context)

    def _in_own_transaction(
        self, driver: Any, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        """Run an autocommit write in a transaction that starts with the request's context.

        ``BEGIN`` and the context go in one round trip, as one query without parameters.
        ``COMMIT`` and ``ROLLBACK`` go through cursors of their own, so the statement's
        cursor keeps its results (an ``INSERT ... RETURNING``) for Django to fetch.
        """
        if self._begin_with_context is None:
            from psycopg import sql as psycopg_sql

            self._begin_with_context = psycopg_sql.SQL("BEGIN; " + SET_CONTEXT_SQL.replace("%s", "{}")).format(
                *(psycopg_sql.Literal(value) for value in self._parameters)
            )
        driver.execute(self._begin_with_context)
        try:
            result = execute(sql, params, many, context)
        except BaseException:
            try:
                driver.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the statement's own error is the one to report
                pass
            raise
        driver.execute("COMMIT")
        return result

    def _still_set(self, connection: Any) -> bool:
        """Return whether the context set earlier still holds.

        Django gives each transaction a new ``run_on_commit`` list, at its commit or
        rollback, and after a savepoint rollback too, so the list marks the transaction
        (an ``Atomic`` of a decorated function is the same object at every call). An
        operation that ran since set its own context; a savepoint that has ended may
        have taken the setting with it.
        """
        if connection.run_on_commit is not self._hooks or self._stack.entered != self._entered:
            return False
        return tuple(connection.savepoint_ids[: len(self._savepoints)]) == self._savepoints


# The statement kinds whose target table can be read from the start of the SQL, and the
# table: a quoted name, or a bare one, after an optional schema.
_TARGET = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO)\s+(?:ONLY\s+)?'
    r'(?:(?:"(?:[^"]|"")+"|\w+)\s*\.\s*)?("(?:[^"]|"")+"|\w+)',
    re.IGNORECASE,
)

# Other statements that can change rows of any table, without a target to read easily.
_OTHER_WRITE = re.compile(r"\s*(?:WITH|COPY|TRUNCATE|CALL|DO|SELECT\b.*\bINTO\b)", re.IGNORECASE | re.DOTALL)


def writes_audited(sql: str, audited_tables: Collection[str]) -> bool:
    """Return whether ``sql`` may change a row of one of ``audited_tables``.

    A plain ``INSERT``, ``UPDATE``, ``DELETE`` or ``MERGE`` names its table. The target
    of other statements that can write (a ``WITH`` query, ``COPY``, ``TRUNCATE``) is not
    read here, so they count as writes to an audited table. Names compare by
    :func:`~opsgen.audit.config.table_key`.
    """
    target = _TARGET.match(sql)
    if target is None:
        return _OTHER_WRITE.match(sql) is not None
    return table_key(target.group(1)) in audited_tables


def audited_connection(runtime: Runtime | None) -> tuple[str, AtomicStack, frozenset[str]] | None:
    """Return what a request's writes need to carry their actor, or ``None`` when they need not.

    That is the Django database alias of a ``django_runtime()`` that has the audit hook
    installed, the runtime's block stack, and the tables audited on it.
    """
    if runtime is None or not isinstance(runtime.outer_transaction, ApplicationBlock):
        return None
    from opsgen.audit.hook import audit_hook, audited_tables

    stack = atomic_stack(runtime.engine)
    if audit_hook not in runtime.on_transaction_begin or stack is None:
        return None
    return runtime.outer_transaction.using, stack, audited_tables(runtime)
