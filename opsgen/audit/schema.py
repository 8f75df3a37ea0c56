"""The tables that hold the audit trail, shared by PostgreSQL and SQLite.

``opsgen_audit_change`` holds one row per recorded change: the full row on insert and
delete, only the changed columns as ``{"column": [before, after]}`` on update. The
context of the change (execution, actor, operation, trace, or ``raw`` with the database
user) lives once per transaction in ``opsgen_audit_transaction``, so a narrow update
costs a narrow row. ``opsgen_audit_version`` holds the last version number of each
entity instance; ``opsgen_audit_snapshot`` holds periodic full-row states that bound
the replay behind "as of" queries.

The per-dialect modules add what only their database has: the PostgreSQL staging tables
and trigger functions, and the SQLite context row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: Action codes stored in ``opsgen_audit_change.action``.
ACTIONS = {"I": "insert", "U": "update", "D": "delete", "T": "truncate"}

transaction_table = sa.Table(
    "opsgen_audit_transaction",
    metadata,
    sa.Column("id", _big_id, primary_key=True, autoincrement=True),
    sa.Column("txid", sa.BigInteger, nullable=True, comment="PostgreSQL transaction id; NULL on SQLite"),
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("origin", sa.String(16), nullable=False, comment="runtime, or raw for writes made without context"),
    sa.Column("execution_id", sa.String(64), nullable=True),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("operation", sa.String(200), nullable=True),
    sa.Column("trace_id", sa.String(128), nullable=True),
    sa.Column("expected", sa.Text, nullable=True, comment="comma-separated entities the operation declares it changes"),
    sa.Column("db_user", sa.String(128), nullable=True),
    sa.Column("application_name", sa.String(200), nullable=True),
    sa.Index("opsgen_audit_transaction_execution", "execution_id"),
)

change_table = sa.Table(
    "opsgen_audit_change",
    metadata,
    sa.Column("id", _big_id, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(100), nullable=False),
    sa.Column("entity_id", sa.String(200), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(1), nullable=False),
    sa.Column("changes", _json, nullable=False),
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("transaction_id", sa.BigInteger, nullable=True),
    sa.Index("opsgen_audit_change_version", "entity", "entity_id", "version", unique=True),
    sa.Index("opsgen_audit_change_time", "entity", "committed_at"),
    sa.Index("opsgen_audit_change_transaction", "transaction_id"),
)

version_table = sa.Table(
    "opsgen_audit_version",
    metadata,
    sa.Column("entity", sa.String(100), primary_key=True),
    sa.Column("entity_id", sa.String(200), primary_key=True),
    sa.Column("last_version", sa.BigInteger, nullable=False),
)

snapshot_table = sa.Table(
    "opsgen_audit_snapshot",
    metadata,
    sa.Column("entity", sa.String(100), primary_key=True),
    sa.Column("entity_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", _json, nullable=True, comment="the full row at this version; NULL when deleted"),
)
