"""koppel serve: its users, API tokens and audit trail; the records pushed into flows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "koppel_web_users",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_koppel_web_users"),
    )
    op.create_table(
        "koppel_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_koppel_api_tokens_token_hash"),
    )
    op.create_table(
        "koppel_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("flow", sa.String(), nullable=True),
        sa.Column("details", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_audit"),
    )
    op.create_index("ix_koppel_audit_flow_id", "koppel_audit", ["flow", "id"])
    op.create_index("ix_koppel_audit_at", "koppel_audit", ["at"])
    op.create_table(
        "koppel_pushed",
        sa.Column("inbox", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("pushed_by", sa.String(), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inbox", "entity", "record_id", name="pk_koppel_pushed"),
        sa.UniqueConstraint("inbox", "entity", "seq", name="uq_koppel_pushed_inbox_entity_seq"),
    )


def downgrade() -> None:
    op.drop_table("koppel_pushed")
    op.drop_index("ix_koppel_audit_at", table_name="koppel_audit")
    op.drop_index("ix_koppel_audit_flow_id", table_name="koppel_audit")
    op.drop_table("koppel_audit")
    op.drop_table("koppel_api_tokens")
    op.drop_table("koppel_web_users")
