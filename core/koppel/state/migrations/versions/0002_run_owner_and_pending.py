"""Runs know their process (pid, host) and why they stopped; writes in flight are journaled.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("koppel_runs") as batch:
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("host", sa.String(), nullable=True))
        batch.add_column(sa.Column("message", sa.Text(), nullable=True))

    op.create_table(
        "koppel_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("sent", _JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_pending"),
    )
    op.create_index(
        "ix_koppel_pending_flow_entity_source_id",
        "koppel_pending",
        ["flow", "entity", "source_id"],
    )
    op.create_index("ix_koppel_pending_run_id", "koppel_pending", ["run_id"])


def downgrade() -> None:
    op.drop_table("koppel_pending")
    with op.batch_alter_table("koppel_runs") as batch:
        batch.drop_column("message")
        batch.drop_column("host")
        batch.drop_column("pid")
