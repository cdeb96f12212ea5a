"""The commitments register: commitments and the keys they are found by.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "koppel_commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("administration", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("internal_reference", sa.String(), nullable=True),
        sa.Column("external_reference", sa.String(), nullable=True),
        sa.Column("delivery_notes", _JSON, nullable=False),
        sa.Column("supplier", sa.String(), nullable=True),
        sa.Column("supplier_name", sa.String(), nullable=True),
        sa.Column("gl_account", sa.String(), nullable=True),
        sa.Column("project", sa.String(), nullable=True),
        sa.Column("cost_centre", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("amount", sa.String(), nullable=False),
        sa.Column("open_amount", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lines", _JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_commitments"),
        sa.UniqueConstraint(
            "source_system",
            "source_id",
            name="uq_koppel_commitments_source_system_source_id",
        ),
    )
    op.create_index(
        "ix_koppel_commitments_administration_supplier",
        "koppel_commitments",
        ["administration", "supplier"],
    )
    op.create_index(
        "ix_koppel_commitments_source_system_code",
        "koppel_commitments",
        ["source_system", "code"],
    )
    op.create_table(
        "koppel_commitment_keys",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("commitment_id", "kind", "value", name="pk_koppel_commitment_keys"),
    )
    op.create_index(
        "ix_koppel_commitment_keys_value_kind",
        "koppel_commitment_keys",
        ["value", "kind"],
    )


def downgrade() -> None:
    op.drop_table("koppel_commitment_keys")
    op.drop_table("koppel_commitments")
