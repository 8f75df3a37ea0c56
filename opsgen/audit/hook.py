"""Connecting audit capture to the runtime.

:func:`install` adds an ``on_transaction_begin`` hook to a runtime. The pipeline calls it
once per outermost transaction, before operation code runs. The hook writes the
execution id, actor, operation name and trace id into the audit context of that
transaction, with the entities the operation declares it changes (its spec's
``audit.changes``).
Nested operations that join the transaction or take a savepoint in it write under the
context of the outermost execution, so their changes are listed under its id. The
entities they declare are added to the expected list as they run.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING

import sqlalchemy as sa

from opsgen.audit.call_tree import track_call_tree
from opsgen.audit.config import AuditConfig, find_config, table_key
from opsgen.audit.context import AuditContext, set_audit_context
from opsgen.audit.install import check_entity, create_audit_schema, install_entity

if TYPE_CHECKING:
    from opsgen.runtime.execution import ExecutionInfo
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Seconds :func:`install` waits for each lock when it must create audit support objects.
INSTALL_LOCK_TIMEOUT = 5.0


#: The tables that :func:`install` audits, per runtime, by :func:`~opsgen.audit.config.table_key`.
_AUDITED_TABLES: weakref.WeakKeyDictionary[Runtime, frozenset[str]] = weakref.WeakKeyDictionary()


def audited_tables(runtime: Runtime) -> frozenset[str]:
    """Return the keys (:func:`~opsgen.audit.config.table_key`) of the tables audited on ``runtime``."""
    return _AUDITED_TABLES.get(runtime, frozenset())


def context_for(info: ExecutionInfo) -> AuditContext:
    """Build the audit context of an execution; the trace id is its correlation or request id."""
    context = info.context
    return AuditContext(
        execution_id=info.execution_id,
        actor=context.actor,
        operation=info.operation,
        trace_id=context.correlation_id or context.request_id,
        expected_entities=tuple(info.audit_changes),
    )


def audit_hook(connection: sa.Connection, info: ExecutionInfo) -> None:
    """Set the audit context of the transaction that is starting; an ``on_transaction_begin`` hook.

    The entities that nested operations declare join the expected list as they run
    (see :mod:`opsgen.audit.call_tree`).
    """
    context = context_for(info)
    set_audit_context(connection, context)
    track_call_tree(connection, info.execution_id, context.expected_entities or ())


def install(
    runtime: Runtime,
    config: AuditConfig | None = None,
    *,
    install_triggers: bool = False,
    lock_timeout: float = INSTALL_LOCK_TIMEOUT,
) -> None:
    """Make every outermost transaction of ``runtime`` carry the audit context.

    Creates the audit tables and functions that are missing or out of date. With
    ``install_triggers``, also creates or refreshes the triggers of every entity in
    ``config`` whose triggers do not match its table; production schemas usually get
    them from a migration instead (see :mod:`opsgen.audit.alembic`). Calling it twice
    adds the hook once.

    It reads the catalog first and runs no DDL when everything is current, so a process
    start does not wait for open audited transactions. DDL that must run waits at most
    ``lock_timeout`` seconds for each lock on PostgreSQL, then raises
    :class:`~opsgen.audit.postgres.AuditSchemaLockTimeout` naming the sessions that hold
    the locks; SQLite waits for its busy timeout.

    Without ``config``, the entities come from ``[tool.opsgen.audit]`` of the nearest
    pyproject.toml at or above the current folder. When that declares no entity, it logs
    a warning that names where it searched, because without triggers nothing is recorded.
    """
    if config is None:
        found = find_config()
        config = found.config
        if not config.entities:
            logger.warning("audit: %s; no change will be recorded", found.nothing_declared())

    with runtime.engine.begin() as connection:
        create_audit_schema(connection, lock_timeout=lock_timeout)
        if install_triggers:
            for entity in config.entities.values():
                if check_entity(connection, entity) is not None:
                    install_entity(connection, entity)

    _AUDITED_TABLES[runtime] = frozenset(table_key(entity.table) for entity in config.entities.values())
    if audit_hook not in runtime.on_transaction_begin:
        runtime.on_transaction_begin.append(audit_hook)
    logger.info("audit context hook installed on the runtime")
