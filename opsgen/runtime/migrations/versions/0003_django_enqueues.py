"""Track calls enqueued inside Django atomic blocks, to cancel those rolled back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opsgen_django_enqueues",
        sa.Column("execution_id", sa.String(36), primary_key=True),
        sa.Column("committed", sa.Boolean, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("opsgen_django_enqueues")
