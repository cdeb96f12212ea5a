"""The API's documents (pydantic models): what each endpoint answers and takes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from koppel.log import redact
from koppel.state import ActivityEntry, ParkedRecord, RunInfo

#: The largest id the state store gives (its id columns are 32-bit integers).
ID_MAX = 2**31 - 1
#: An id in the state store, as a path parameter.
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
#: An id in the state store, as a query parameter or in a document.
StoreId = Annotated[int, Field(ge=1, le=ID_MAX)]

#: Extra answers an endpoint documents: status -> {"description": ...}.
Responses = dict[int | str, dict[str, Any]]

__all__ = [
    "ID_MAX",
    "ActivityOut",
    "AlertOut",
    "AttemptOut",
    "AuditOut",
    "BookingListOut",
    "BookingOut",
    "ExportOut",
    "FlowOut",
    "LaunchOut",
    "NotificationOut",
    "ParkedActionOut",
    "ParkedOut",
    "PathId",
    "ProgressOut",
    "PushIn",
    "PushOut",
    "Responses",
    "RunOut",
    "RunningOut",
    "StoreId",
]


def _redacted(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``data`` with secrets redacted (the store redacts on writing; this is a second
    line for what was parked before it did)."""
    return None if data is None else dict(redact(data))


class RunOut(BaseModel):
    """One run of a flow."""

    id: int
    flow: str
    dry_run: bool
    status: str = Field(description="running, ok, failed, stopped, crashed or paused")
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    pid: int | None = None
    host: str | None = None
    message: str | None = None

    @classmethod
    def of(cls, run: RunInfo) -> RunOut:
        return cls(
            id=run.id,
            flow=run.flow,
            dry_run=run.dry_run,
            status=run.status,
            started_at=run.started_at,
            finished_at=run.finished_at,
            counts=dict(run.counts),
            pid=run.pid,
            host=run.host,
            message=run.message,
        )


class RunningOut(BaseModel):
    """A run going on now, and the process running it."""

    run: int
    since: datetime
    pid: int | None
    host: str | None


class AlertOut(BaseModel):
    """An open alert of a flow."""

    key: str
    message: str
    since: datetime


class FlowOut(BaseModel):
    """A flow: what it syncs, its last and next run, what runs now, parked and alerts."""

    name: str
    served: bool = Field(description="whether this server has the flow file (can run it)")
    source: str | None = Field(description="the source connection's system")
    target: str | None = Field(description="the target connection's system")
    entity: str | None
    schedule: str | None = Field(description="cron schedule, or none: by hand")
    pushable: bool = Field(description="whether records can be pushed into it (push source)")
    last_run: RunOut | None
    next_run: datetime | None
    paused_until: datetime | None
    running: list[RunningOut]
    parked: int
    alerts: list[AlertOut]


class ProgressOut(BaseModel):
    """A run this server started in a thread: how far it got."""

    flow: str
    fetched: int
    processed: int
    failed: int
    elapsed: float
    finished: bool
    run: int | None = Field(description="the run's id once it ended")
    error: str | None = Field(description="why it stopped, when it could not run")


class LaunchOut(BaseModel):
    """A run started: in this server (``thread``) or queued for the workers (``worker``)."""

    flow: str
    via: str = Field(description="thread or worker")
    job: int | None = Field(description="the worker job's id (none: one was queued already)")


class ActivityOut(BaseModel):
    """One activity log entry: what came from the source, what was sent, the answer
    (secrets redacted)."""

    id: int
    run: int | None
    flow: str
    entity: str
    record: str | None
    action: str
    message: str | None
    source: dict[str, Any] | None
    sent: dict[str, Any] | None
    response: dict[str, Any] | None
    at: datetime

    @classmethod
    def of(cls, entry: ActivityEntry) -> ActivityOut:
        return cls(
            id=entry.id,
            run=entry.run_id,
            flow=entry.flow,
            entity=entry.entity,
            record=entry.record_id,
            action=entry.action,
            message=entry.message,
            source=_redacted(entry.source),
            sent=_redacted(entry.sent),
            response=_redacted(entry.response),
            at=entry.created_at,
        )


class ParkedOut(BaseModel):
    """A parked record: it failed and waits for a retry."""

    id: int
    flow: str
    entity: str
    record: str
    message: str
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    next_attempt_at: datetime
    data: dict[str, Any] = Field(description="the source record as it was read")

    @classmethod
    def of(cls, record: ParkedRecord) -> ParkedOut:
        return cls(
            id=record.id,
            flow=record.flow,
            entity=record.entity,
            record=record.source_id,
            message=record.message,
            error=record.error,
            attempts=record.attempts,
            first_failed_at=record.first_failed_at,
            last_failed_at=record.last_failed_at,
            next_attempt_at=record.next_attempt_at,
            data=_redacted(record.data) or {},
        )


class ParkedActionOut(BaseModel):
    """What a retry or discard did."""

    flow: str
    parked: list[int] = Field(description="the parked records it concerned")
    run: LaunchOut | None = Field(default=None, description="the run started (retry)")


class ExportOut(BaseModel):
    """Where a flow exported a booking: its connections and the id the target gave it."""

    source: str
    target: str
    entity: str
    target_id: str


class AttemptOut(BaseModel):
    """One POST of a webhook notification: the HTTP status (none: no answer), the answer."""

    at: datetime
    status: int | None
    answer: str


class NotificationOut(BaseModel):
    """A signed webhook notification of an export, to one URL, with every attempt."""

    url: str
    idempotency_key: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime
    attempts: list[AttemptOut]


class AuditOut(BaseModel):
    """One action in the audit trail: who (``user:NAME``, ``token:ID``, ``cli:LOGIN``),
    what, on which flow, when, and what it concerned."""

    id: int
    at: datetime
    actor: str
    action: str
    flow: str | None
    details: dict[str, Any]


class BookingOut(BaseModel):
    """A purchase invoice's booking: its form, the journal entry, the invoice as booked,
    the commitment bookings, where it was exported and its webhook notifications (as
    ``koppel bookings show --json``): what a Multi ERP webhook receiver fetches."""

    id: int
    invoice: str
    administration: str | None
    booked_at: datetime
    form: str = Field(description="purchase_invoice or journal_entry: how it goes out")
    entry: dict[str, Any]
    invoice_record: dict[str, Any] | None
    commitment_bookings: list[dict[str, Any]]
    exports: list[ExportOut]
    notifications: list[NotificationOut]


class BookingListOut(BaseModel):
    """A booking in a list: invoice, total, exports and notifications told."""

    id: int
    invoice: str
    administration: str | None
    booked_at: datetime
    form: str
    total: str
    currency: str | None
    commitments: int
    exported_to: list[str] = Field(description="target connection:target id")
    notified: int
    notifications: int


class PushIn(BaseModel):
    """Records to push into a flow: each the flow entity's canonical record (its ``id``
    is the record's id in the pushing system)."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class PushOut(BaseModel):
    """What a push stored: new records, changed ones and ones unchanged (already there)."""

    flow: str
    entity: str
    new: int
    changed: int
    unchanged: int
    run: LaunchOut | None = Field(default=None, description="the run started (?run=true)")
