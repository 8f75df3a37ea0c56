"""Trigger-based audit capture and history queries.

Changes to audited tables are recorded by database triggers, so bulk updates, raw SQL,
upserts, deletes and (on PostgreSQL) ``TRUNCATE`` are recorded too, with the runtime's
execution context or, without one, as ``raw`` writes. This package needs only
SQLAlchemy; it never imports the spec loader, the generator or the linter.
"""

from __future__ import annotations

from opsgen.audit.config import AuditConfig, AuditConfigError, AuditedEntity, load_config
from opsgen.audit.context import AuditContext, clear_audit_context, set_audit_context
from opsgen.audit.history import (
    HistoryNotRecorded,
    HistoryPruned,
    Version,
    as_of,
    changes_for_execution,
    changes_for_executions,
    diff,
    history,
    state_at_version,
    unexpected_changes,
)
from opsgen.audit.hook import audit_hook, install
from opsgen.audit.install import (
    TriggerProblem,
    check_triggers,
    create_audit_schema,
    install_audit,
    install_entity,
    uninstall_entity,
)
from opsgen.audit.maintenance import prune, take_snapshots
from opsgen.audit.postgres import AuditSchemaLockTimeout

__all__ = [
    "AuditConfig",
    "AuditConfigError",
    "AuditContext",
    "AuditSchemaLockTimeout",
    "AuditedEntity",
    "HistoryNotRecorded",
    "HistoryPruned",
    "TriggerProblem",
    "Version",
    "as_of",
    "audit_hook",
    "changes_for_execution",
    "changes_for_executions",
    "check_triggers",
    "clear_audit_context",
    "create_audit_schema",
    "diff",
    "history",
    "install",
    "install_audit",
    "install_entity",
    "load_config",
    "prune",
    "set_audit_context",
    "state_at_version",
    "take_snapshots",
    "uninstall_entity",
    "unexpected_changes",
]
