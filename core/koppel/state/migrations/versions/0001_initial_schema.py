"""Initial schema: runs, cursors, bindings, parked, activity, tokens, number ranges, exports.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=f"pk_{table}"
    )


def upgrade() -> None:
    op.create_table(
        "koppel_runs",
        *_id("koppel_runs"),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.Column("counts", _JSON, nullable=False),
    )
    op.create_index("ix_koppel_runs_flow_id", "koppel_runs", ["flow", "id"])

    op.create_table(
        "koppel_cursors",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("flow", "entity", name="pk_koppel_cursors"),
    )

    op.create_table(
        "koppel_bindings",
        *_id("koppel_bindings"),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=True),
        _when("synced_at"),
        sa.UniqueConstraint(
            "source",
            "target",
            "entity",
            "source_id",
            name="uq_koppel_bindings_source_target_entity_source_id",
        ),
        sa.UniqueConstraint(
            "source",
            "target",
            "entity",
            "target_id",
            name="uq_koppel_bindings_source_target_entity_target_id",
        ),
    )

    op.create_table(
        "koppel_parked",
        *_id("koppel_parked"),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_id", sa.String(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("first_failed_at"),
        _when("last_failed_at"),
        _when("next_attempt_at"),
        sa.UniqueConstraint(
            "flow", "entity", "source_id", name="uq_koppel_parked_flow_entity_source_id"
        ),
    )
    op.create_index(
        "ix_koppel_parked_flow_next_attempt_at", "koppel_parked", ["flow", "next_attempt_at"]
    )

    op.create_table(
        "koppel_activity",
        *_id("koppel_activity"),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("source", _JSON, nullable=True),
        sa.Column("sent", _JSON, nullable=True),
        sa.Column("response", _JSON, nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_koppel_activity_run_id_action", "koppel_activity", ["run_id", "action"])
    op.create_index("ix_koppel_activity_record_id", "koppel_activity", ["record_id"])
    op.create_index("ix_koppel_activity_flow_id", "koppel_activity", ["flow", "id"])
    op.create_index("ix_koppel_activity_created_at", "koppel_activity", ["created_at"])

    op.create_table(
        "koppel_tokens",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("refreshing", sa.Boolean(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("key", name="pk_koppel_tokens"),
    )

    op.create_table(
        "koppel_number_ranges",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("name", name="pk_koppel_number_ranges"),
    )

    op.create_table(
        "koppel_exports",
        *_id("koppel_exports"),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_koppel_exports_flow_id", "koppel_exports", ["flow", "id"])


def downgrade() -> None:
    for table in (
        "koppel_exports",
        "koppel_number_ranges",
        "koppel_tokens",
        "koppel_activity",
        "koppel_parked",
        "koppel_bindings",
        "koppel_cursors",
        "koppel_runs",
    ):
        op.drop_table(table)
