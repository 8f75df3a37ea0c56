"""SQLite capture: one trigger per table and action, generated from the table's columns.

SQLite triggers cannot take arguments or turn a row into JSON generically, so each
trigger names every audited column. The generated text starts with a comment that
records the entity and those columns; ``opsgen audit check`` compares it with the table
as it is now.

The context lives in the one-row table ``opsgen_audit_context``. The runtime writes it at
the start of each write transaction and clears it again just before the commit (see
:mod:`opsgen.audit.context`), so its committed state is always empty: a later write
without context, from the ``sqlite3`` shell or a migration, reads NULLs and is recorded
as ``raw``, and a writer that crashes rolls its context back with its changes. SQLite
runs one write transaction at a time, so versions follow commit order without locks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import sqlalchemy as sa

from opsgen.audit.config import MASK, AuditedEntity

SUPPORT_DDL = [
    """
    CREATE TABLE IF NOT EXISTS opsgen_audit_context (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        execution_id TEXT,
        actor TEXT,
        operation TEXT,
        trace_id TEXT,
        expected TEXT,
        transaction_id INTEGER
    )
    """,
    "INSERT OR IGNORE INTO opsgen_audit_context (id) VALUES (1)",
]

_HEADER = re.compile(r"-- opsgen-audit (?P<meta>\{.*\})")

#: The time of the write, in the format SQLAlchemy's SQLite DateTime type reads back.
# NOTE: this is the write's time to the millisecond, not the commit's, because SQLite
# runs nothing at commit. Versions still follow commit order (one writer at a time).
_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"

_HAS_CONTEXT = (
    "(execution_id IS NOT NULL OR actor IS NOT NULL OR operation IS NOT NULL OR trace_id IS NOT NULL)"
)


def install_support(connection: sa.Connection) -> None:
    """Create the context table and its row unless both exist; safe to run again.

    The check only reads. In WAL mode, which the runtime's SQLite engines use, a read
    does not wait for the write lock that an open audited transaction takes at its start.
    """
    exists = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'opsgen_audit_context'"
    ).first()
    if exists and connection.exec_driver_sql("SELECT 1 FROM opsgen_audit_context WHERE id = 1").first():
        return
    for statement in SUPPORT_DDL:
        connection.exec_driver_sql(statement)


def trigger_name(entity: AuditedEntity, action: str) -> str:
    return f"opsgen_audit_{entity.table}_{action}"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _value(row: str, column: str, binary: bool) -> str:
    expression = f"{row}.{_quote(column)}"
    return f"hex({expression})" if binary else expression


def _masked(row: str, column: str) -> str:
    # A null stays null, so the history does not suggest that a secret was set.
    return f"CASE WHEN {row}.{_quote(column)} IS NULL THEN NULL ELSE {_literal(MASK)} END"


def _row_object(entity: AuditedEntity, row: str, columns: Sequence[str], binary: set[str]) -> str:
    pairs = []
    for column in columns:
        value = _masked(row, column) if column in entity.sensitive else _value(row, column, column in binary)
        pairs.append(f"{_literal(column)}, {value}")
    return "json_object(" + ", ".join(pairs) + ")"


def _delta_object(entity: AuditedEntity, columns: Sequence[str], binary: set[str]) -> str:
    branches = []
    for column in columns:
        old, new = _value("OLD", column, column in binary), _value("NEW", column, column in binary)
        if column in entity.sensitive:
            pair = f"json_array({_masked('OLD', column)}, {_masked('NEW', column)})"
        else:
            pair = f"json_array({old}, {new})"
        branches.append(
            f"SELECT {_literal(column)} AS name, {pair} AS pair WHERE OLD.{_quote(column)} IS NOT NEW.{_quote(column)}"
        )
    return "(SELECT json_group_object(name, json(pair)) FROM (" + " UNION ALL ".join(branches) + "))"


def _body(entity: AuditedEntity, row: str, action: str, changes: str) -> str:
    entity_name = _literal(entity.name)
    entity_id = f"CAST({row}.{_quote(entity.id_column)} AS TEXT)"
    return f"""
    INSERT INTO opsgen_audit_transaction (origin, execution_id, actor, operation, trace_id, expected)
        SELECT 'runtime', execution_id, actor, operation, trace_id, expected FROM opsgen_audit_context
        WHERE id = 1 AND transaction_id IS NULL AND {_HAS_CONTEXT};
    UPDATE opsgen_audit_context SET transaction_id = last_insert_rowid()
        WHERE id = 1 AND transaction_id IS NULL AND {_HAS_CONTEXT};
    INSERT INTO opsgen_audit_version (entity, entity_id, last_version) VALUES ({entity_name}, {entity_id}, 1)
        ON CONFLICT (entity, entity_id) DO UPDATE SET last_version = last_version + 1;
    INSERT INTO opsgen_audit_change (entity, entity_id, version, action, changes, committed_at, transaction_id)
        VALUES ({entity_name}, {entity_id},
                (SELECT last_version FROM opsgen_audit_version WHERE entity = {entity_name} AND entity_id = {entity_id}),
                '{action}', {changes}, {_NOW},
                (SELECT transaction_id FROM opsgen_audit_context WHERE id = 1));"""


def header(entity: AuditedEntity, columns: Sequence[str]) -> str:
    meta = {
        "entity": entity.name,
        "id": entity.id_column,
        "columns": list(columns),
        "sensitive": sorted(entity.sensitive),
    }
    return "-- opsgen-audit " + json.dumps(meta, separators=(",", ":"))


def trigger_statements(entity: AuditedEntity, table_columns: Sequence[str], binary: set[str]) -> list[str]:
    """Return the DDL that drops and recreates the three capture triggers of ``entity``."""
    columns = entity.audited_columns(table_columns)
    table = _quote(entity.table)
    comment = header(entity, columns)
    any_changed = " OR ".join(f"OLD.{_quote(c)} IS NOT NEW.{_quote(c)}" for c in columns)
    insert_body = _body(entity, "NEW", "I", _row_object(entity, "NEW", columns, binary))
    delete_body = _body(entity, "OLD", "D", _row_object(entity, "OLD", columns, binary))
    update_body = _body(entity, "NEW", "U", _delta_object(entity, columns, binary))

    # A changed id ends one entity and starts another, as on PostgreSQL.
    id_changed = f"OLD.{_quote(entity.id_column)} IS NOT NEW.{_quote(entity.id_column)}"
    rekey_body = _body(entity, "OLD", "D", _row_object(entity, "OLD", columns, binary)) + _body(
        entity, "NEW", "I", _row_object(entity, "NEW", columns, binary)
    )

    return drop_statements(entity) + [
        f"CREATE TRIGGER {trigger_name(entity, 'insert')} AFTER INSERT ON {table}\nBEGIN\n    {comment}{insert_body}\nEND",
        f"CREATE TRIGGER {trigger_name(entity, 'update')} AFTER UPDATE ON {table}\n"
        f"WHEN ({any_changed}) AND NOT ({id_changed})\nBEGIN\n    {comment}{update_body}\nEND",
        f"CREATE TRIGGER {trigger_name(entity, 'rekey')} AFTER UPDATE ON {table}\n"
        f"WHEN {id_changed}\nBEGIN\n    {comment}{rekey_body}\nEND",
        f"CREATE TRIGGER {trigger_name(entity, 'delete')} AFTER DELETE ON {table}\nBEGIN\n    {comment}{delete_body}\nEND",
    ]


def baseline_statement(entity: AuditedEntity, table_columns: Sequence[str], binary: set[str]) -> str:
    """Return the INSERT that snapshots, as version 0, every row without recorded history."""
    columns = entity.audited_columns(table_columns)
    entity_id = f"CAST(t.{_quote(entity.id_column)} AS TEXT)"
    return (
        "INSERT OR IGNORE INTO opsgen_audit_snapshot (entity, entity_id, version, committed_at, state) "
        f"SELECT :entity, {entity_id}, 0, {_NOW}, {_row_object(entity, 't', columns, binary)} "
        f"FROM {_quote(entity.table)} AS t "
        "WHERE NOT EXISTS (SELECT 1 FROM opsgen_audit_version AS v "
        f"WHERE v.entity = :entity AND v.entity_id = {entity_id})"
    )


def drop_statements(entity: AuditedEntity) -> list[str]:
    """Return the DDL that removes the capture triggers of ``entity``."""
    return [
        f"DROP TRIGGER IF EXISTS {trigger_name(entity, action)}" for action in ("insert", "update", "rekey", "delete")
    ]


def installed_triggers(connection: sa.Connection, table: str) -> dict[str, str]:
    """Return the opsgen capture triggers on ``table``: name -> CREATE text."""
    rows = connection.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    ).all()
    return {str(name): str(sql) for name, sql in rows if str(name).startswith("opsgen_audit_")}


def installed_columns(trigger_sql: str) -> list[str] | None:
    """Return the columns recorded in a generated trigger's header, or None without one."""
    match = _HEADER.search(trigger_sql)
    if match is None:
        return None
    columns = json.loads(match.group("meta")).get("columns")
    return [str(column) for column in columns] if isinstance(columns, list) else None
