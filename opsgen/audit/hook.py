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
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from opsgen.audit.call_tree import track_call_tree
from opsgen.audit.config import AuditConfig, AuditedEntity, find_config, table_key
from opsgen.audit.context import AuditContext, set_audit_context
from opsgen.audit.install import TriggerProblem, check_entity, create_audit_schema, install_entity
from opsgen.runtime.plural import counted

if TYPE_CHECKING:
    from opsgen.runtime.execution import ExecutionInfo
    from opsgen.runtime.runtime import Runtime

logger = logging.getLogger(__name__)

#: Seconds :func:`install` waits for each lock when it must create audit support objects.
INSTALL_LOCK_TIMEOUT = 5.0


#: The tables that :func:`install` audits, per runtime, by :func:`~opsgen.audit.config.table_key`.
_AUDITED_TABLES: weakref.WeakKeyDictionary[Runtime, frozenset[str]] = weakref.WeakKeyDictionary()


@dataclass
class _PendingSchema:
    """The audit schema work that ``install(..., defer_schema=True)`` leaves for the first transaction."""

    engine: sa.Engine
    config: AuditConfig
    install_triggers: bool
    lock_timeout: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False


#: Deferred schema work, by the runtime engine whose transactions call the hook. The hook
#: runs it, and so does ``OpsgenMiddleware`` at the start of each Django request, so that a
#: request's own writes meet the triggers before any operation has run.
_PENDING_SCHEMA: weakref.WeakKeyDictionary[sa.Engine, _PendingSchema] = weakref.WeakKeyDictionary()


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
    prepare_deferred_schema(connection.engine)
    context = context_for(info)
    set_audit_context(connection, context)
    track_call_tree(connection, info.execution_id, context.expected_entities or ())


def prepare_deferred_schema(engine: sa.Engine) -> None:
    """Run the schema work that ``install(..., defer_schema=True)`` left for ``engine``, once."""
    pending = _PENDING_SCHEMA.get(engine)
    if pending is not None and not pending.done:
        _create_pending_schema(pending)


def install(
    runtime: Runtime,
    config: AuditConfig | None = None,
    *,
    install_triggers: bool = False,
    lock_timeout: float = INSTALL_LOCK_TIMEOUT,
    defer_schema: bool = False,
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
    Without ``install_triggers``, it logs one warning that names each entity whose table
    is missing or whose triggers are missing or out of date, with the command that
    installs them, and operations still run.

    With ``defer_schema``, it does not connect to the database. The hook and the
    audited tables are registered at once, and the catalog reads and DDL described
    above run once, in the first transaction that calls the hook, before its audit
    context is set. They run on ``runtime.schema_engine`` (or ``runtime.engine``) on a
    connection and transaction of their own, so a rollback of that first transaction
    does not take the audit tables with it. A failure, such as
    :class:`~opsgen.audit.postgres.AuditSchemaLockTimeout`, is raised from that call,
    and the next transaction tries again. Concurrent first transactions of one process
    wait for one setup. This is the way to install under Django, in
    ``AppConfig.ready()``, where ``manage.py`` commands that never call an operation
    must not need the database. SQLite is rejected with ``ValueError``: its first
    transaction holds the write lock that the setup on a second connection would wait for.
    """
    if config is None:
        found = find_config()
        config = found.config
        if not config.entities:
            how_to_pass = 'pass its configuration as install(runtime, opsgen.audit.load_config("path/to/pyproject.toml"))'
            logger.warning("audit: %s; no change will be recorded", found.nothing_declared(how_to_pass))

    engine = runtime.schema_engine or runtime.engine
    if defer_schema:
        if engine.dialect.name == "sqlite":
            raise ValueError(
                "install(runtime, defer_schema=True) needs PostgreSQL; on SQLite call install() without "
                "defer_schema, which creates the audit tables at once"
            )
        _PENDING_SCHEMA[runtime.engine] = _PendingSchema(engine, config, install_triggers, lock_timeout)
    else:
        _PENDING_SCHEMA.pop(runtime.engine, None)
        _create_schema(engine, config, install_triggers=install_triggers, lock_timeout=lock_timeout)

    _AUDITED_TABLES[runtime] = frozenset(table_key(entity.table) for entity in config.entities.values())
    if audit_hook not in runtime.on_transaction_begin:
        runtime.on_transaction_begin.append(audit_hook)
    deferred = "; audit schema deferred to the first transaction" if defer_schema else ""
    logger.info("audit context hook installed on the runtime%s", deferred)


def _create_schema(engine: sa.Engine, config: AuditConfig, *, install_triggers: bool, lock_timeout: float) -> None:
    with engine.begin() as connection:
        create_audit_schema(connection, lock_timeout=lock_timeout)
        problems = [problem for entity in config.entities.values() if (problem := check_entity(connection, entity))]
        if install_triggers:
            for problem in problems:
                _install_triggers(connection, config.entity(problem.entity), lock_timeout)
        elif problems:
            _warn_unrecorded(problems)


def _warn_unrecorded(problems: list[TriggerProblem]) -> None:
    """Log one warning for the entities whose triggers are missing or stale, so their changes go unrecorded."""
    logger.warning(
        "audit: changes to %s are not recorded, or not in full, until their triggers are installed: %s",
        counted(len(problems), "audited entity", "audited entities"),
        " | ".join(str(problem) for problem in problems),
    )


def _install_triggers(connection: sa.Connection, entity: AuditedEntity, lock_timeout: float) -> None:
    """Install the triggers of ``entity``, waiting at most ``lock_timeout`` seconds for its table's lock on PostgreSQL.

    Creating a trigger waits for every open transaction that wrote to the table, which
    includes the caller's own when the first audited call runs in an atomic block that
    already wrote there.
    """
    if connection.dialect.name != "postgresql":
        install_entity(connection, entity)
        return
    from opsgen.audit.postgres import LOCK_NOT_AVAILABLE, AuditSchemaLockTimeout, _set_lock_timeout, _sqlstate

    _set_lock_timeout(connection, f"{max(1, round(lock_timeout * 1000))}ms")
    try:
        install_entity(connection, entity)
    except sa.exc.OperationalError as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        raise AuditSchemaLockTimeout(
            f"timed out after {lock_timeout:g} s waiting for a lock on table {entity.table} to install the audit "
            f"triggers of entity {entity.name!r}: an open transaction wrote to it, possibly the one that called "
            "this operation. Install the triggers before that transaction starts (a migration, "
            "`opsgen audit install`, or install() without defer_schema), or pass a longer lock_timeout"
        ) from exc


def _create_pending_schema(pending: _PendingSchema) -> None:
    with pending.lock:
        if pending.done:
            return
        _create_schema(
            pending.engine, pending.config, install_triggers=pending.install_triggers, lock_timeout=pending.lock_timeout
        )
        pending.done = True
        logger.info("audit schema checked on first use")
