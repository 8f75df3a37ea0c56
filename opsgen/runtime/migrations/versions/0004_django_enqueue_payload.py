"""Keep the message of a call enqueued inside a Django atomic block until it is sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("opsgen_django_enqueues", sa.Column("payload", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opsgen_django_enqueues") as batch:
        batch.drop_column("payload")
