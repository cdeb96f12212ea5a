"""The state store's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Every table name starts with ``koppel_`` so the store can share a PostgreSQL
database with other applications (procrastinate's tables, for instance).
Migrations in ``migrations/versions`` create exactly these tables; a test
checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

__all__ = [
    "JSONData",
    "UTCDateTime",
    "activity",
    "api_tokens",
    "audit",
    "bindings",
    "booking_attempts",
    "booking_deliveries",
    "bookings",
    "commitment_keys",
    "commitments",
    "cursors",
    "export_imports",
    "export_rows",
    "exports",
    "invoice_choices",
    "metadata",
    "number_ranges",
    "parked",
    "pending",
    "pushed",
    "relation_numbers",
    "relation_queue",
    "runs",
    "tokens",
    "web_users",
]


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both back ends (SQLite stores it naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the state store only stores timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONData = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _created(**kw: Any) -> sa.Column[datetime]:
    return sa.Column("created_at", UTCDateTime(), nullable=False, **kw)


runs = sa.Table(
    "koppel_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("counts", JSONData, nullable=False),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.String),
    sa.Column("message", sa.Text),
    sa.Index(None, "flow", "id"),
)

cursors = sa.Table(
    "koppel_cursors",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("entity", sa.String, primary_key=True),
    sa.Column("value", sa.Text),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

bindings = sa.Table(
    "koppel_bindings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("target", sa.String, nullable=False),
    sa.Column("entity", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("target_id", sa.String, nullable=False),
    sa.Column("content_hash", sa.String),
    sa.Column("synced_at", UTCDateTime(), nullable=False),
    #: The hash of the raw source record under the flow's mapping when it was last
    #: synced or found unchanged: the same hash again skips the record before mapping.
    sa.Column("source_hash", sa.String),
    sa.UniqueConstraint("source", "target", "entity", "source_id"),
    sa.UniqueConstraint("source", "target", "entity", "target_id"),
)

parked = sa.Table(
    "koppel_parked",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("entity", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("error", sa.String, nullable=False),
    sa.Column("cursor", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("first_failed_at", UTCDateTime(), nullable=False),
    sa.Column("last_failed_at", UTCDateTime(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("flow", "entity", "source_id"),
    sa.Index(None, "flow", "next_attempt_at"),
)

activity = sa.Table(
    "koppel_activity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("entity", sa.String, nullable=False),
    sa.Column("record_id", sa.String),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("source", JSONData),
    sa.Column("sent", JSONData),
    sa.Column("response", JSONData),
    sa.Column("message", sa.Text),
    _created(),
    #: source, sent and response as one zstandard-compressed JSON document (rows
    #: written before migration 0009 keep the three JSON columns above instead).
    sa.Column("payload", sa.LargeBinary),
    sa.Index(None, "run_id", "action"),
    sa.Index(None, "record_id"),
    sa.Index(None, "flow", "id"),
    sa.Index(None, "created_at"),
)

#: Documents that recur in activity entries (an order's customer, a row's article),
#: stored once by the hash of their JSON and referenced from the entries' payloads;
#: ``used_at`` is when an entry last referenced it (purge deletes the parts no entry
#: kept can reference).
activity_parts = sa.Table(
    "koppel_activity_parts",
    metadata,
    sa.Column("hash", sa.String, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("used_at", UTCDateTime(), nullable=False),
    sa.Index(None, "used_at"),
)

#: Writes in flight: what a run is about to send, stored before it sends it and
#: removed with the chunk's bookkeeping. A row left behind belongs to a run that
#: died mid-chunk; the next run uses it to log where a record it finds came from.
pending = sa.Table(
    "koppel_pending",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("entity", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("sent", JSONData),
    _created(),
    sa.Index(None, "flow", "entity", "source_id"),
    sa.Index(None, "run_id"),
)

tokens = sa.Table(
    "koppel_tokens",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("secret", sa.Text),
    sa.Column("refreshing", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

number_ranges = sa.Table(
    "koppel_number_ranges",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("next_value", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

exports = sa.Table(
    "koppel_exports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("entity", sa.String),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("records", sa.Integer),
    _created(),
    sa.Index(None, "flow", "id"),
)

#: The commitments register: commitments copied from AFAS or Exact Online Bouw by a
#: flow whose target is the built-in ``register`` system; one row per
#: (source system, source id). Money is kept as exact decimal text; ``open`` says
#: the commitment can still be matched (an open amount left and not handled).
commitments = sa.Table(
    "koppel_commitments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_system", sa.String, nullable=False),
    sa.Column("source_id", sa.String, nullable=False),
    sa.Column("administration", sa.String),
    sa.Column("code", sa.String),
    sa.Column("internal_reference", sa.String),
    sa.Column("external_reference", sa.String),
    sa.Column("delivery_notes", JSONData, nullable=False),
    sa.Column("supplier", sa.String),
    sa.Column("supplier_name", sa.String),
    sa.Column("gl_account", sa.String),
    sa.Column("project", sa.String),
    sa.Column("cost_centre", sa.String),
    sa.Column("description", sa.Text),
    sa.Column("currency", sa.String, nullable=False),
    sa.Column("amount", sa.String, nullable=False),
    sa.Column("open_amount", sa.String, nullable=False),
    sa.Column("status", sa.String),
    sa.Column("handled", sa.Boolean, nullable=False),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("modified_at", UTCDateTime()),
    sa.Column("lines", JSONData, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("source_system", "source_id"),
    sa.Index(None, "administration", "supplier"),
    sa.Index(None, "source_system", "code"),
)

#: What a commitment is found by: (kind, value) per code, internal and external
#: reference and delivery note (of the commitment and of its lines).
commitment_keys = sa.Table(
    "koppel_commitment_keys",
    metadata,
    sa.Column("commitment_id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("value", sa.String, primary_key=True),
    sa.Index(None, "value", "kind"),
)

#: The relation queue (*debiteuren/crediteuren ophalen*): per queue (a relations flow)
#: every relation a CRM pushes to accounting, its canonical ``data`` and the hash of it;
#: ``state`` is "queued" (to push, ``action`` "insert" or "update"), "exported" (in an
#: XML export whose import is not marked yet) or "synced" (``synced_hash`` is what
#: accounting holds). ``message`` says why its last push failed.
relation_queue = sa.Table(
    "koppel_relation_queue",
    metadata,
    sa.Column("queue", sa.String, primary_key=True),
    sa.Column("relation", sa.String, primary_key=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("number", sa.String),
    sa.Column("name", sa.String),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("content_hash", sa.String, nullable=False),
    sa.Column("synced_hash", sa.String),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("export_id", sa.Integer),
    sa.Column("changed_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "queue", "state"),
)

#: Debtor and creditor numbers handed to relations: one per (queue, relation), taken
#: from ``range`` in the same transaction that moves the range on; a number is unique
#: within its range.
relation_numbers = sa.Table(
    "koppel_relation_numbers",
    metadata,
    sa.Column("queue", sa.String, primary_key=True),
    sa.Column("relation", sa.String, primary_key=True),
    sa.Column("range", sa.String, nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    _created(),
    sa.UniqueConstraint("range", "number"),
)

#: The rows of an export (``koppel_exports``): which relation, with what number, action
#: and content hash it went out, and the message of a row that could not go.
export_rows = sa.Table(
    "koppel_export_rows",
    metadata,
    sa.Column("export_id", sa.Integer, primary_key=True),
    sa.Column("relation", sa.String, primary_key=True),
    sa.Column("number", sa.String),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("content_hash", sa.String, nullable=False),
    sa.Column("message", sa.Text),
)

#: What the operator marked about an export's import into accounting: "ok" or
#: "failed", a note, who and when.
export_imports = sa.Table(
    "koppel_export_imports",
    metadata,
    sa.Column("export_id", sa.Integer, primary_key=True),
    sa.Column("result", sa.String, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("marked_by", sa.String),
    sa.Column("marked_at", UTCDateTime(), nullable=False),
)

#: API budgets shared by every process on this store (:mod:`koppel.state._limits`): per
#: (system, tenant) the budget the API last reported; its row is locked while a call is
#: granted, so that workers take turns.
rate_budgets = sa.Table(
    "koppel_rate_budgets",
    metadata,
    sa.Column("system", sa.String, primary_key=True),
    sa.Column("tenant", sa.String, primary_key=True),
    sa.Column("minute_remaining", sa.Integer),
    sa.Column("minute_reset", sa.Float),
    sa.Column("day_remaining", sa.Integer),
    sa.Column("day_reset", sa.Float),
)

#: Every call granted in the last day, per (system, tenant), in epoch seconds.
rate_calls = sa.Table(
    "koppel_rate_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("system", sa.String, nullable=False),
    sa.Column("tenant", sa.String, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index(None, "system", "tenant", "at"),
)

#: Flows whose last run paused on a spent day budget, and when they may go on.
pauses = sa.Table(
    "koppel_pauses",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("resume_at", UTCDateTime(), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

#: Problems an alert was sent for, per flow and ``key`` ("run", or "parked:ENTITY:ID"),
#: while they last: one notice when a problem opens, one when it is resolved (row removed).
alerts = sa.Table(
    "koppel_alerts",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("opened_at", UTCDateTime(), nullable=False),
)

#: Purchase invoices booked (the ``booking`` system): per invoice the balanced journal
#: entry and the commitment bookings made for it, written once with the register's
#: lowered open amounts; flows whose source is the ``booking`` system export them.
bookings = sa.Table(
    "koppel_bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("invoice", sa.String, nullable=False),
    sa.Column("administration", sa.String),
    sa.Column("entry", JSONData, nullable=False),
    sa.Column("commitment_bookings", JSONData, nullable=False),
    sa.Column("booked_at", UTCDateTime(), nullable=False),
    # The purchase invoice as booked, and its form: purchase_invoice or journal_entry
    # (Multi ERP); null: booked as a journal entry before migration 0010.
    sa.Column("invoice_record", JSONData),
    sa.Column("form", sa.String),
    sa.UniqueConstraint("invoice"),
)

#: The commitments an operator chose for a purchase invoice (``koppel commitments
#: match``): a list of [register id, amount or null]; used when the invoice is retried.
invoice_choices = sa.Table(
    "koppel_invoice_choices",
    metadata,
    sa.Column("invoice", sa.String, primary_key=True),
    sa.Column("choices", JSONData, nullable=False),
    sa.Column("chosen_at", UTCDateTime(), nullable=False),
)

#: The webhook outbox: one notification per exported booking (``source`` connection,
#: ``target`` connection, booking) and URL, with the exact body sent each time; ``key``
#: is the idempotency key the receiver sees (the same for every URL).
booking_deliveries = sa.Table(
    "koppel_booking_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("target", sa.String, nullable=False),
    sa.Column("booking_id", sa.Integer, nullable=False),
    sa.Column("url", sa.String, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("delivered_at", UTCDateTime()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("key", "url"),
    sa.Index(None, "source", "delivered_at"),
    sa.Index(None, "booking_id"),
)

#: Every attempt to deliver a notification, with the receiver's answer (or the error).
booking_attempts = sa.Table(
    "koppel_booking_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("delivery_id", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Index(None, "delivery_id"),
)

#: What a connection learned from its system that seldom changes (AFAS's GetConnector
#: definitions), by key, with when it was fetched: the next runs read it from here.
remembered = sa.Table(
    "koppel_remembered",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", JSONData, nullable=False),
    sa.Column("fetched_at", UTCDateTime(), nullable=False),
)

#: ``koppel serve``'s users (pages): an argon2 hash of the password and a role
#: ("read-only" or "operator").
web_users = sa.Table(
    "koppel_web_users",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("password_hash", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    _created(),
)

#: ``koppel serve``'s API tokens: only the SHA-256 of each (the token is shown once),
#: its role, and when it was revoked.
api_tokens = sa.Table(
    "koppel_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("token_hash", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("created_by", sa.String),
    _created(),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
    sa.UniqueConstraint("token_hash"),
)

#: What users and tokens did through ``koppel serve`` (retry, discard, export, mark an
#: import, push records, start a run): who ("user:NAME", "token:ID"), what, when, details.
audit = sa.Table(
    "koppel_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("flow", sa.String),
    sa.Column("details", JSONData, nullable=False),
    sa.Index(None, "flow", "id"),
    sa.Index(None, "at"),
)

#: Records pushed into a flow through the HTTP API (the built-in ``push`` system): the
#: newest canonical record per (inbox, entity, id); ``seq`` grows with every change and is
#: the cursor the push source reads from.
pushed = sa.Table(
    "koppel_pushed",
    metadata,
    sa.Column("inbox", sa.String, primary_key=True),
    sa.Column("entity", sa.String, primary_key=True),
    sa.Column("record_id", sa.String, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("content_hash", sa.String, nullable=False),
    sa.Column("pushed_by", sa.String),
    sa.Column("pushed_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("inbox", "entity", "seq"),
)
