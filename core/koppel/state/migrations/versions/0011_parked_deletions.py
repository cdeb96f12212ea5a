"""A parked record remembers whether it stands for a deletion in the source.

``koppel_parked.deleted``: true when the record that failed was one the source reported
deleted; its retry is a deletion again, not an update with the parked (empty) data.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "koppel_parked",
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("koppel_parked") as batch:
        batch.drop_column("deleted")
