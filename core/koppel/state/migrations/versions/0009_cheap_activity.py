"""A cheaper activity log and skipping before mapping.

Activity entries keep what came in, what was sent and the answer in one zstandard-
compressed ``payload`` (older rows keep their JSON columns and stay readable);
documents that recur from entry to entry (an order's customer, a row's article) are
stored once in ``koppel_activity_parts`` and referenced. Bindings keep the hash of
the raw source record under the flow's mapping (``source_hash``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("koppel_activity", sa.Column("payload", sa.LargeBinary(), nullable=True))
    op.add_column("koppel_bindings", sa.Column("source_hash", sa.String(), nullable=True))
    op.create_table(
        "koppel_activity_parts",
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_koppel_activity_parts"),
    )
    op.create_index("ix_koppel_activity_parts_used_at", "koppel_activity_parts", ["used_at"])


def downgrade() -> None:
    op.drop_index("ix_koppel_activity_parts_used_at", table_name="koppel_activity_parts")
    op.drop_table("koppel_activity_parts")
    op.drop_column("koppel_bindings", "source_hash")
    op.drop_column("koppel_activity", "payload")
