"""Create the execution log and the effect outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opsgen_executions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("operation", sa.String(200), nullable=False),
        sa.Column("operation_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("root_id", sa.String(36), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("organization", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(200), nullable=True),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("context_extra", sa.JSON, nullable=True),
        sa.Column("input", sa.JSON, nullable=True),
        sa.Column("output", sa.JSON, nullable=True),
        sa.Column("error_code", sa.String(100), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.Column("error_details", sa.JSON, nullable=True),
        sa.Column("traceback", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Float, nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("progress_total", sa.Integer, nullable=True),
        sa.Column("progress_done", sa.Integer, nullable=True),
        sa.Column("progress_message", sa.Text, nullable=True),
        sa.Column("progress_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_keys", sa.JSON, nullable=True),
        sa.Column("singleton_key", sa.String(300), nullable=True),
        sa.Column("fencing_token", sa.BigInteger, nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_opsgen_executions_parent_id", "opsgen_executions", ["parent_id"])
    op.create_index("ix_opsgen_executions_root_id", "opsgen_executions", ["root_id"])
    op.create_index("ix_opsgen_executions_status", "opsgen_executions", ["status"])
    op.create_index(
        "ix_opsgen_executions_operation_created", "opsgen_executions", ["operation", "created_at"]
    )
    op.create_index("ix_opsgen_executions_created_at", "opsgen_executions", ["created_at"])

    op.create_table(
        "opsgen_effects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("execution_id", sa.String(36), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("durable", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("payload", sa.JSON, nullable=True),
        sa.Column("payload_redacted", sa.JSON, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("backoff", sa.Float, nullable=False),
        sa.Column("multiplier", sa.Float, nullable=False),
        sa.Column("max_delay", sa.Float, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_opsgen_effects_execution_id", "opsgen_effects", ["execution_id"])
    op.create_index("ix_opsgen_effects_status_next", "opsgen_effects", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("opsgen_effects")
    op.drop_table("opsgen_executions")
