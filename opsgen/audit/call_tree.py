"""Expected entities of a transaction whose call tree nests operations.

The runtime sets the audit context once, when the outermost operation opens its
transaction. Every change in that transaction is recorded under the outermost
execution, also a change of a nested operation that joins it or takes a savepoint in
it. The triggers cannot tell which call made a change, because an ORM session may
flush a nested call's changes later, while its caller runs. So a change is judged
against the entities declared by every operation of the call tree that had run a
statement in the transaction when the change was staged.

An engine listener follows the calls. Before each statement on a connection whose
transaction carries a runtime audit context, it looks up the current execution
(:func:`opsgen.runtime.execution.current_execution`). The first statement of a nested
execution adds the entities its spec declares to the transaction's expected list.
When the list grows, the listener writes it to the audit context before the
statement runs. Changes staged earlier keep the shorter list, which already contains the
declaration of every operation that could have made them. With the execution log
enabled, the runtime updates a nested call's record through the transaction as the
call ends, so every nested call runs at least that statement before its caller goes on.

A rolled-back savepoint also undoes a list written inside it. The listener then
writes the whole list again before the next statement, so the list never shrinks
within a transaction.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from opsgen.runtime.execution import current_execution

#: Key of the :class:`TreeExpectation` of a transaction in ``Connection.info``.
_EXPECTATION = "opsgen_audit_call_tree"

_SQLITE_EXPECTED = "UPDATE opsgen_audit_context SET expected = ?, transaction_id = NULL WHERE id = 1"
_POSTGRES_EXPECTED = "SELECT set_config('opsgen.expected', %s, true)"


@dataclass
class TreeExpectation:
    """The entities that the operations of one transaction's call tree declare, so far."""

    #: Id of the execution that set the audit context: the root of the call tree.
    root_execution_id: str
    #: The transaction this expectation belongs to, to ignore one left on a pooled connection.
    transaction: weakref.ReferenceType[sa.Transaction]
    #: The entities of the root's operation, which the audit context held from the start.
    initial: frozenset[str]
    declared: frozenset[str]
    #: The list stored in the audit context in the database, or ``None`` after a
    #: savepoint rollback, which may have restored an older one.
    stored: frozenset[str] | None
    seen: set[str] = field(default_factory=set)


def track_call_tree(connection: sa.Connection, root_execution_id: str, declared: tuple[str, ...]) -> None:
    """Start following the call tree of the transaction open on ``connection``.

    Call it right after the audit context of ``root_execution_id`` was set with the
    ``declared`` entities.
    """
    transaction = connection.get_transaction()
    if transaction is None:
        return
    _listen(connection.engine)
    connection.info[_EXPECTATION] = TreeExpectation(
        root_execution_id=root_execution_id,
        transaction=weakref.ref(transaction),
        initial=frozenset(declared),
        declared=frozenset(declared),
        stored=frozenset(declared),
        seen={root_execution_id},
    )


def _listen(engine: sa.Engine) -> None:
    if event.contains(engine, "before_cursor_execute", _before_statement):
        return
    event.listen(engine, "before_cursor_execute", _before_statement)
    event.listen(engine, "rollback_savepoint", _after_savepoint_rollback)
    event.listen(engine, "commit", _forget)
    event.listen(engine, "rollback", _forget)


def _before_statement(
    connection: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    expectation: TreeExpectation | None = connection.info.get(_EXPECTATION)
    if expectation is None:
        return
    if expectation.transaction() is not connection.get_transaction():
        # A transaction that ended without a commit or rollback event left it behind.
        connection.info.pop(_EXPECTATION, None)
        return

    execution = current_execution()
    # NOTE: with log-enabled = false, a nested call that runs no statement of its own
    # (it changes objects its caller loaded, and the caller's flush writes them) adds
    # nothing, so those changes are judged against the other operations' lists only.
    if execution is not None and execution.execution_id not in expectation.seen:
        if expectation.root_execution_id in execution.lineage:
            expectation.seen.add(execution.execution_id)
            expectation.declared |= frozenset(execution.declaration.audit_changes)
    if expectation.stored == expectation.declared or _rolls_back_savepoint(statement):
        # A list written right before ROLLBACK TO SAVEPOINT would be undone by it.
        return
    _store_expected(connection, expectation.declared)
    expectation.stored = expectation.declared


def _rolls_back_savepoint(statement: str) -> bool:
    return statement.lstrip()[:21].upper() == "ROLLBACK TO SAVEPOINT"


def _store_expected(connection: sa.Connection, declared: frozenset[str]) -> None:
    """Write ``declared`` into the audit context of the open transaction, on a cursor of its own.

    The statement goes straight to the driver, so it does not run this listener again.
    """
    value = json.dumps(sorted(declared))
    dbapi_connection: Any = connection.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            cursor.execute(_POSTGRES_EXPECTED, (value,))
        else:
            cursor.execute(_SQLITE_EXPECTED, (value,))
    finally:
        cursor.close()


def _after_savepoint_rollback(connection: sa.Connection, name: str, context: Any) -> None:
    expectation: TreeExpectation | None = connection.info.get(_EXPECTATION)
    if expectation is not None and expectation.declared != expectation.initial:
        # The database may hold any list stored before the savepoint, at least the initial one.
        expectation.stored = None


def _forget(connection: sa.Connection) -> None:
    connection.info.pop(_EXPECTATION, None)
