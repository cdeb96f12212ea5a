"""The worker's tables: API budgets shared between processes, paused flows, open alerts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "koppel_rate_budgets",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("minute_remaining", sa.Integer(), nullable=True),
        sa.Column("minute_reset", sa.Float(), nullable=True),
        sa.Column("day_remaining", sa.Integer(), nullable=True),
        sa.Column("day_reset", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("system", "tenant", name="pk_koppel_rate_budgets"),
    )
    op.create_table(
        "koppel_rate_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("tenant", sa.String(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_rate_calls"),
    )
    op.create_index(
        "ix_koppel_rate_calls_system_tenant_at", "koppel_rate_calls", ["system", "tenant", "at"]
    )
    op.create_table(
        "koppel_pauses",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("resume_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("flow", name="pk_koppel_pauses"),
    )
    op.create_table(
        "koppel_alerts",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("flow", "key", name="pk_koppel_alerts"),
    )


def downgrade() -> None:
    op.drop_table("koppel_alerts")
    op.drop_table("koppel_pauses")
    op.drop_index("ix_koppel_rate_calls_system_tenant_at", table_name="koppel_rate_calls")
    op.drop_table("koppel_rate_calls")
    op.drop_table("koppel_rate_budgets")
