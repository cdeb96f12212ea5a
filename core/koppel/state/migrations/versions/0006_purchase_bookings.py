"""The purchase side's bookings: invoices booked, operators' choices, the webhook outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "koppel_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice", sa.String(), nullable=False),
        sa.Column("administration", sa.String(), nullable=True),
        sa.Column("entry", _JSON, nullable=False),
        sa.Column("commitment_bookings", _JSON, nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_bookings"),
        sa.UniqueConstraint("invoice", name="uq_koppel_bookings_invoice"),
    )
    op.create_table(
        "koppel_invoice_choices",
        sa.Column("invoice", sa.String(), nullable=False),
        sa.Column("choices", _JSON, nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invoice", name="pk_koppel_invoice_choices"),
    )
    op.create_table(
        "koppel_booking_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_booking_deliveries"),
        sa.UniqueConstraint("key", "url", name="uq_koppel_booking_deliveries_key_url"),
    )
    op.create_index(
        "ix_koppel_booking_deliveries_source_delivered_at",
        "koppel_booking_deliveries",
        ["source", "delivered_at"],
    )
    op.create_index(
        "ix_koppel_booking_deliveries_booking_id", "koppel_booking_deliveries", ["booking_id"]
    )
    op.create_table(
        "koppel_booking_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_koppel_booking_attempts"),
    )
    op.create_index(
        "ix_koppel_booking_attempts_delivery_id", "koppel_booking_attempts", ["delivery_id"]
    )


def downgrade() -> None:
    op.drop_table("koppel_booking_attempts")
    op.drop_table("koppel_booking_deliveries")
    op.drop_table("koppel_invoice_choices")
    op.drop_table("koppel_bookings")
