"""Alembic helpers: keep capture triggers in step with the tables they watch.

In a migration that changes an audited table, refresh its triggers after the change::

    from opsgen.audit.alembic import refresh_audit_triggers

    def upgrade() -> None:
        op.add_column("billing_plans", sa.Column("discount_pct", sa.Numeric(5, 2)))
        refresh_audit_triggers(op, "billing_plan")

The triggers are generated from the table as it is at that point of the migration, so
the helper works whatever the models say today.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opsgen.audit.config import AuditConfig, AuditedEntity, load_config
from opsgen.audit.install import create_audit_schema, install_entity, uninstall_entity


def _resolve(entity: AuditedEntity | str, config: AuditConfig | None) -> AuditedEntity:
    if isinstance(entity, AuditedEntity):
        return entity
    resolved = config if config is not None else load_config(Path("pyproject.toml"))
    if entity in resolved.entities:
        return resolved.entity(entity)
    return resolved.for_table(entity)


def create_audit_tables(op: Any) -> None:
    """Create the audit tables and functions in a migration; safe to run again."""
    create_audit_schema(op.get_bind())


def refresh_audit_triggers(op: Any, entity: AuditedEntity | str, config: AuditConfig | None = None) -> None:
    """Create or replace the capture triggers of ``entity`` (an entity, its name or its table).

    Without ``config`` the declaration is read from ``pyproject.toml`` in the working
    directory, where Alembic normally runs.
    """
    connection = op.get_bind()
    create_audit_schema(connection)
    install_entity(connection, _resolve(entity, config))


def drop_audit_triggers(op: Any, entity: AuditedEntity | str, config: AuditConfig | None = None) -> None:
    """Drop the capture triggers of ``entity``, for example before dropping its table."""
    uninstall_entity(op.get_bind(), _resolve(entity, config))
