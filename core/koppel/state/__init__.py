"""The state store: runs, cursors, bindings, parked records, activity, tokens and more.

SQLAlchemy Core with Alembic migrations shipped in this package and run on
open, one schema for SQLite (the embedded default) and PostgreSQL::

    from koppel.state import open_state

    with open_state("state.sqlite3") as store:
        run = store.start_run("shop-to-exact")
        store.bind("shop", "exact", "customer", "C-1", "4711", "hash")
        store.finish_run(run, status="ok", counts={"created": 1})
"""

from __future__ import annotations

from koppel.state._bookings import Booking, BookingForm, Delivery, DeliveryAttempt
from koppel.state._chunks import ChunkBooking, PendingWrite
from koppel.state._engine import STATE_ENV, default_state_path
from koppel.state._models import (
    ActivityEntry,
    Binding,
    ExportInfo,
    ExportRow,
    NewActivity,
    NewParked,
    ParkedRecord,
    QueuedRelation,
    RegisteredCommitment,
    RelationExport,
    RunInfo,
)
from koppel.state._parked import backoff
from koppel.state._relations import IncomingRelation, OutgoingRow
from koppel.state._runs import RUN_STATUSES
from koppel.state._secrets import SECRET_KEY_ENV, secret_cipher
from koppel.state._store import StateStore, open_state
from koppel.state._tokens import SqlTokenStore

__all__ = [
    "RUN_STATUSES",
    "SECRET_KEY_ENV",
    "STATE_ENV",
    "ActivityEntry",
    "Binding",
    "Booking",
    "BookingForm",
    "ChunkBooking",
    "Delivery",
    "DeliveryAttempt",
    "ExportInfo",
    "ExportRow",
    "IncomingRelation",
    "NewActivity",
    "NewParked",
    "OutgoingRow",
    "ParkedRecord",
    "PendingWrite",
    "QueuedRelation",
    "RegisteredCommitment",
    "RelationExport",
    "RunInfo",
    "SqlTokenStore",
    "StateStore",
    "backoff",
    "default_state_path",
    "open_state",
    "secret_cipher",
]
