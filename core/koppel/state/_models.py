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
    "ExportRow",
    "NewActivity",
    "NewParked",
    "ParkedRecord",
    "QueuedRelation",
    "RegisteredCommitment",
    "RelationExport",
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
    #: The hash of the raw source record under the flow's mapping (see the engine).
    source_hash: str | None = None


@attrs.frozen(kw_only=True)
class ParkedRecord:
    """A record that failed and waits to be retried; ``data`` is the native source record,
    ``deleted`` whether it stands for a deletion in the source (retried as one)."""

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
    deleted: bool = False


@attrs.frozen(kw_only=True)
class NewParked:
    """A record to park (or whose failure to count once more): ``data`` is the native
    source record, ``error`` the kind of failure (the error class name), ``deleted``
    whether it stands for a deletion in the source."""

    source_id: str
    data: Mapping[str, Any]
    message: str
    error: str
    cursor: str | None
    deleted: bool = False


@attrs.frozen(kw_only=True)
class NewActivity:
    """One activity entry to write with :meth:`StateStore.log_activity_many`.

    ``source_json`` and ``sent_json`` are the JSON of ``source`` and ``sent`` where the
    engine made it already (for a hash, by :mod:`koppel.engine._hash`, which writes no
    NaN or infinity); the store then does not encode them again. A ``sent_json`` is
    stored as it is: give it only for a ``sent`` that
    :func:`koppel.log.needs_redacting` found free of secrets.
    """

    entity: str
    record_id: str | None
    action: str
    source: Mapping[str, Any] | None = None
    sent: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    message: str | None = None
    source_json: str | None = attrs.field(default=None, eq=False, repr=False)
    sent_json: str | None = attrs.field(default=None, eq=False, repr=False)


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


@attrs.frozen(kw_only=True)
class QueuedRelation:
    """A relation in the relation queue: what would be sent (``data``, the canonical
    relation), with ``action`` "insert" or "update", ``state`` "waiting" (for a number),
    "queued", "exported" or "synced", and the ``message`` of its last failed push."""

    queue: str
    relation: str
    kind: str
    number: str | None
    name: str | None
    data: Mapping[str, Any]
    content_hash: str
    synced_hash: str | None
    action: str
    state: str
    message: str | None
    export_id: int | None
    changed_at: datetime | None
    updated_at: datetime


@attrs.frozen(kw_only=True)
class ExportRow:
    """One relation of an export: the number and action it went out with, or the
    ``message`` why it could not."""

    export_id: int
    relation: str
    number: str | None
    action: str
    content_hash: str
    message: str | None


@attrs.frozen(kw_only=True)
class RelationExport:
    """An export of the relation queue with the operator's mark of its import:
    ``imported`` is None (not marked), "ok" or "failed"."""

    export: ExportInfo
    imported: str | None = None
    note: str | None = None
    marked_by: str | None = None
    marked_at: datetime | None = None
