"""The relation queue, the numbers given to relations, the rows and imports of exports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "koppel_relation_queue",
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("synced_hash", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("export_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("queue", "relation", name="pk_koppel_relation_queue"),
    )
    op.create_index(
        "ix_koppel_relation_queue_queue_state", "koppel_relation_queue", ["queue", "state"]
    )
    op.create_table(
        "koppel_relation_numbers",
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("range", sa.String(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("queue", "relation", name="pk_koppel_relation_numbers"),
        sa.UniqueConstraint("range", "number", name="uq_koppel_relation_numbers_range_number"),
    )
    op.create_table(
        "koppel_export_rows",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("export_id", "relation", name="pk_koppel_export_rows"),
    )
    op.create_table(
        "koppel_export_imports",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("marked_by", sa.String(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("export_id", name="pk_koppel_export_imports"),
    )


def downgrade() -> None:
    op.drop_table("koppel_export_imports")
    op.drop_table("koppel_export_rows")
    op.drop_table("koppel_relation_numbers")
    op.drop_index("ix_koppel_relation_queue_queue_state", table_name="koppel_relation_queue")
    op.drop_table("koppel_relation_queue")
