"""Bookings keep the purchase invoice as booked and the form it goes out in.

``koppel_bookings.invoice_record``: the canonical purchase invoice with the GL accounts
and amounts that were booked (the ``booking`` system serves it as entity
``purchase_invoices``). ``koppel_bookings.form``: ``purchase_invoice`` or
``journal_entry`` (Multi ERP), decided once when the invoice is booked; older rows
(null) were booked as journal entries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("koppel_bookings", sa.Column("invoice_record", _JSON, nullable=True))
    op.add_column("koppel_bookings", sa.Column("form", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("koppel_bookings") as batch:
        batch.drop_column("form")
        batch.drop_column("invoice_record")
