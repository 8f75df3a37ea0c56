"""Create the audit tables and the capture triggers, and check that triggers match tables.

Triggers are generated from the table as the database reports it (reflection), so they
always describe the schema they are installed on. After a migration changes an audited
table, :func:`install_entity` (or the Alembic helper built on it) refreshes them, and
:func:`check_triggers` reports every table whose triggers were generated for another
definition or another declaration.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from opsgen.audit import postgres, sqlite
from opsgen.audit.config import AuditConfig, AuditedEntity
from opsgen.audit.schema import metadata

logger = logging.getLogger(__name__)

_REFRESH_HINT = "run `opsgen audit install`, or call refresh_audit_triggers() in the migration that changed the table"
#: The triggers are generated from the table's columns, so the table must exist first.
_CREATE_TABLE_HINT = (
    "create the application's tables first (run its migrations or metadata.create_all()), then run `opsgen audit install`"
)


class UnsupportedDatabase(NotImplementedError):
    """Audit capture exists for PostgreSQL and SQLite only."""


def _require_supported(connection: sa.Connection) -> str:
    name = connection.dialect.name
    if name not in ("postgresql", "sqlite"):
        raise UnsupportedDatabase(f"audit capture supports postgresql and sqlite, not {name}")
    return name


def create_audit_schema(connection: sa.Connection, *, lock_timeout: float | None = None) -> None:
    """Create the audit tables and trigger functions that are missing or out of date; safe to run again.

    It reads the catalog first and runs no DDL on a database that is up to date, so it
    then waits for no lock that an open transaction holds. On PostgreSQL, DDL that must
    run waits at most ``lock_timeout`` seconds for each lock when that is set, and then
    raises :class:`~opsgen.audit.postgres.AuditSchemaLockTimeout`.
    """
    dialect = _require_supported(connection)
    metadata.create_all(connection)
    if dialect == "postgresql":
        postgres.install_support(connection, lock_timeout=lock_timeout)
    else:
        sqlite.install_support(connection)


@dataclass(frozen=True)
class TableColumns:
    """The column names of an audited table, and which of them hold binary data."""

    names: list[str]
    binary: set[str]


def _split(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return (schema or None), name


def table_columns(connection: sa.Connection, table: str) -> TableColumns | None:
    """Return the columns of ``table`` as the database reports them, or None if it is missing."""
    schema, name = _split(table)
    inspector = sa.inspect(connection)
    if not inspector.has_table(name, schema=schema):
        return None
    columns = inspector.get_columns(name, schema=schema)
    names = [str(column["name"]) for column in columns]
    binary = {str(column["name"]) for column in columns if isinstance(column["type"], sa.LargeBinary)}
    return TableColumns(names=names, binary=binary)


def _trigger_statements(dialect: str, entity: AuditedEntity, columns: TableColumns) -> list[str]:
    if dialect == "postgresql":
        return postgres.trigger_statements(entity, columns.names)
    if entity.capture == "statement":
        logger.info("entity %s: SQLite has no statement-level triggers; capturing row by row", entity.name)
    return sqlite.trigger_statements(entity, columns.names, columns.binary)


def install_entity(connection: sa.Connection, entity: AuditedEntity, *, baseline: bool = True) -> None:
    """Create or refresh the capture triggers of ``entity`` from its table's current columns.

    With ``baseline``, every row that has no recorded history yet gets a version 0
    snapshot of its current state, so rows older than the triggers can be rebuilt and
    diffed too. That reads the whole table once. Raises ``LookupError`` when the table
    or its id column does not exist.
    """
    dialect = _require_supported(connection)
    columns = table_columns(connection, entity.table)
    if columns is None:
        raise LookupError(f"table {entity.table!r} of audited entity {entity.name!r} does not exist; {_CREATE_TABLE_HINT}")
    if entity.id_column not in columns.names:
        raise LookupError(
            f"audited entity {entity.name!r}: table {entity.table!r} has no id column {entity.id_column!r} "
            f"(columns: {', '.join(columns.names)})"
        )
    for statement in _trigger_statements(dialect, entity, columns):
        connection.exec_driver_sql(statement)
    if baseline:
        added = _take_baseline(connection, dialect, entity, columns)
        logger.info("entity %s: wrote %d baseline snapshots", entity.name, added)
    logger.info("installed audit triggers for entity %s on table %s", entity.name, entity.table)


def _take_baseline(connection: sa.Connection, dialect: str, entity: AuditedEntity, columns: TableColumns) -> int:
    # Rows with a version counter already have history; their state now is not version 0.
    if dialect == "postgresql":
        statement = (
            "INSERT INTO opsgen_audit_snapshot (entity, entity_id, version, committed_at, state) "
            "SELECT s.entity, s.state ->> s.id_column, 0, now(), opsgen_audit_mask(s.state, CAST(:sensitive AS text[])) "
            "FROM (SELECT CAST(:entity AS text) AS entity, CAST(:id_column AS text) AS id_column, "
            f"to_jsonb(t) - CAST(:excluded AS text[]) AS state FROM {postgres.qualified(entity.table)} AS t) AS s "
            "WHERE NOT EXISTS (SELECT FROM opsgen_audit_version AS v "
            "WHERE v.entity = s.entity AND v.entity_id = s.state ->> s.id_column) "
            "ON CONFLICT DO NOTHING"
        )
        parameters = {
            "entity": entity.name,
            "id_column": entity.id_column,
            "sensitive": sorted(entity.sensitive),
            "excluded": sorted(entity.exclude),
        }
    else:
        statement = sqlite.baseline_statement(entity, columns.names, columns.binary)
        parameters = {"entity": entity.name}
    return int(connection.execute(sa.text(statement), parameters).rowcount)


def uninstall_entity(connection: sa.Connection, entity: AuditedEntity) -> None:
    """Drop the capture triggers of ``entity``; its recorded history stays."""
    dialect = _require_supported(connection)
    statements = postgres.drop_statements(entity) if dialect == "postgresql" else sqlite.drop_statements(entity)
    for statement in statements:
        connection.exec_driver_sql(statement)


def install_audit(connection: sa.Connection, config: AuditConfig) -> None:
    """Create the audit tables and install the triggers of every declared entity."""
    create_audit_schema(connection)
    for entity in config.entities.values():
        install_entity(connection, entity)


@dataclass(frozen=True)
class TriggerProblem:
    """A table whose capture triggers are missing or no longer match it."""

    entity: str
    table: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} (entity {self.entity}): {self.message}"


def _column_difference(dialect: str, installed: Sequence[str], current: Sequence[str]) -> str:
    added = [column for column in current if column not in installed]
    dropped = [column for column in installed if column not in current]
    parts = []
    if added and dialect == "postgresql":
        # The PostgreSQL trigger records the whole row, so a new column is recorded
        # already. Only the column list the trigger was generated with is stale.
        parts.append(
            "the triggers' column list is stale: " + ", ".join(added) + " added after they were generated "
            "(recorded already, since the trigger records whole rows; decide whether the declaration "
            "should mark it sensitive or exclude it, then refresh the triggers)"
        )
    elif added:
        parts.append("not recorded: " + ", ".join(added) + " (added after the triggers were generated)")
    if dropped:
        parts.append("no longer in the table: " + ", ".join(dropped))
    return "; ".join(parts)


def check_entity(connection: sa.Connection, entity: AuditedEntity) -> TriggerProblem | None:
    """Compare the installed triggers of ``entity`` with the ones its table needs now."""
    dialect = _require_supported(connection)
    columns = table_columns(connection, entity.table)
    if columns is None:
        return TriggerProblem(entity.name, entity.table, f"the table does not exist; {_CREATE_TABLE_HINT}")
    expected_columns = entity.audited_columns(columns.names)

    if dialect == "postgresql":
        installed_pg = postgres.installed_triggers(connection, entity.table)
        expected_names = postgres.ROW_TRIGGERS if entity.capture == "row" else postgres.STATEMENT_TRIGGERS
        expected_arguments = postgres.trigger_arguments(entity, columns.names)
        missing = [name for name in expected_names if name not in installed_pg]
        if missing:
            message = f"missing or disabled triggers {', '.join(missing)}; {_REFRESH_HINT}"
            return TriggerProblem(entity.name, entity.table, message)
        for name in expected_names:
            arguments = installed_pg[name]
            if arguments == expected_arguments:
                continue
            recorded = postgres.parse_array_literal(arguments[4]) if len(arguments) > 4 else []
            difference = _column_difference(dialect, recorded, expected_columns)
            if difference:
                return TriggerProblem(entity.name, entity.table, f"trigger {name} is out of date: {difference}; {_REFRESH_HINT}")
            return TriggerProblem(
                entity.name,
                entity.table,
                f"trigger {name} was installed with other settings (arguments {arguments}, "
                f"declared {expected_arguments}); {_REFRESH_HINT}",
            )
        return None

    installed_sqlite = sqlite.installed_triggers(connection, entity.table)
    expected_sql = {
        statement.split()[2]: statement
        for statement in sqlite.trigger_statements(entity, columns.names, columns.binary)
        if statement.startswith("CREATE TRIGGER")
    }
    missing = [name for name in expected_sql if name not in installed_sqlite]
    if missing:
        return TriggerProblem(entity.name, entity.table, f"missing triggers {', '.join(missing)}; {_REFRESH_HINT}")
    for name, statement in expected_sql.items():
        if _normalized(installed_sqlite[name]) == _normalized(statement):
            continue
        recorded = sqlite.installed_columns(installed_sqlite[name]) or []
        difference = _column_difference(dialect, recorded, expected_columns)
        if difference:
            return TriggerProblem(entity.name, entity.table, f"trigger {name} is out of date: {difference}; {_REFRESH_HINT}")
        return TriggerProblem(
            entity.name, entity.table, f"trigger {name} differs from the one the declaration generates; {_REFRESH_HINT}"
        )
    return None


def _normalized(sql: str) -> str:
    return " ".join(sql.split())


def check_triggers(connection: sa.Connection, config: AuditConfig) -> list[TriggerProblem]:
    """Return one problem for each declared entity whose triggers do not match its table."""
    _require_supported(connection)
    if not sa.inspect(connection).has_table("opsgen_audit_change"):
        return [
            TriggerProblem(entity.name, entity.table, "the audit tables do not exist; run `opsgen audit install`")
            for entity in config.entities.values()
        ]
    problems = []
    for entity in config.entities.values():
        problem = check_entity(connection, entity)
        if problem is not None:
            problems.append(problem)
    return problems
