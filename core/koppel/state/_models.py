"""The plain records the state store hands out (frozen attrs classes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from koppel.records import Commitment

__all__ = [
    "ActivityEntry",
    "Binding",
    "ExportInfo",
    "NewActivity",
    "NewParked",
    "ParkedRecord",
    "RegisteredCommitment",
    "RunInfo",
]


@attrs.frozen(kw_only=True)
class RunInfo:
    """One run of a flow: ``status`` is one of "running", "ok", "failed", "stopped" or
    "crashed"; ``pid`` and ``host`` name the process that ran it, ``message`` why it stopped.
    """

    id: int
    flow: str
    dry_run: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]
    pid: int | None = None
    host: str | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class Binding:
    """A source id bound to a target id per (source connection, target connection, entity)."""

    source: str
    target: str
    entity: str
    source_id: str
    target_id: str
    content_hash: str | None
    synced_at: datetime


@attrs.frozen(kw_only=True)
class ParkedRecord:
    """A record that failed and waits to be retried; ``data`` is the native source record."""

    id: int
    flow: str
    entity: str
    source_id: str
    data: Mapping[str, Any]
    message: str
    error: str
    cursor: str | None
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    next_attempt_at: datetime


@attrs.frozen(kw_only=True)
class NewParked:
    """A record to park (or whose failure to count once more): ``data`` is the native
    source record, ``error`` the kind of failure (the error class name)."""

    source_id: str
    data: Mapping[str, Any]
    message: str
    error: str
    cursor: str | None


@attrs.frozen(kw_only=True)
class NewActivity:
    """One activity entry to write with :meth:`StateStore.log_activity_many`."""

    entity: str
    record_id: str | None
    action: str
    source: Mapping[str, Any] | None = None
    sent: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    message: str | None = None


@attrs.frozen(kw_only=True)
class ActivityEntry:
    """What happened to one record in one run (secrets redacted)."""

    id: int
    run_id: int | None
    flow: str
    entity: str
    record_id: str | None
    action: str
    source: Mapping[str, Any] | None
    sent: Mapping[str, Any] | None
    response: Mapping[str, Any] | None
    message: str | None
    created_at: datetime


@attrs.frozen(kw_only=True)
class ExportInfo:
    """One file export (for example an eExact XML file) and how it ended."""

    id: int
    flow: str
    entity: str | None
    path: str
    status: str
    message: str | None
    records: int | None
    created_at: datetime


@attrs.frozen(kw_only=True)
class RegisteredCommitment:
    """A commitment in the register: its register id, the system and id it was copied
    from, when the register last changed it, and the canonical commitment itself."""

    id: int
    source_system: str
    source_id: str
    updated_at: datetime
    commitment: Commitment
