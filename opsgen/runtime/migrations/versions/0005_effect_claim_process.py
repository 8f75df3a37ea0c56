"""Store which process holds the claim on an outbox row.

A dispatcher on the same machine can then take over the claim of a process that has
ended at once, instead of waiting for the claim to expire.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("opsgen_effects", sa.Column("claimed_process", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opsgen_effects") as batch:
        batch.drop_column("claimed_process")
