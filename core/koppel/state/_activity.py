"""The activity log: per record and run what came in, what was sent and the answer.

Each entry's documents are stored as one compressed payload, with recurring master
data kept once as parts (:mod:`koppel.state._documents`); entries written before
that keep their three JSON columns and are read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa
import zstandard

from koppel.state._documents import (
    clean_text,
    compressor,
    decompress,
    decompressor,
    dictionary_id,
    dictionary_key,
    expand,
    part_refs,
    source_text,
)
from koppel.state._models import ActivityEntry, NewActivity
from koppel.state._parts import PartsMixin
from koppel.state._schema import JSONData, activity, activity_parts, parked, pushed

__all__ = ["FAILED_ACTIONS", "ActivityMixin", "Purged"]

#: The entries' insert, compiled once per dialect (:meth:`StoreBase._executemany`).
_INSERT = activity.insert()
#: Actions that ``failed_only`` selects.
FAILED_ACTIONS = ("fail",)


def _missing_part(key: str) -> dict[str, str]:
    return {"purged": f"document {key} is no longer stored"}


def _documents(
    row: sa.Row[tuple[object, ...]], dictionaries: Mapping[int, zstandard.ZstdDecompressor]
) -> dict[str, Any]:
    """source, sent and response of a stored entry (part references not yet expanded)."""
    m = row._mapping
    payload = m["payload"]
    if payload is not None:
        dict_id = dictionary_id(payload)
        if dict_id and dict_id not in dictionaries:
            missing = f"its compression dictionary {dict_id} is no longer stored"
            return {"source": {"purged": missing}, "sent": None, "response": None}
        documents: dict[str, Any] = json.loads(decompress(payload, dictionaries.get(dict_id)))
        return documents
    return {"source": m["source"], "sent": m["sent"], "response": m["response"]}


def _entry(row: sa.Row[tuple[object, ...]], documents: Mapping[str, Any]) -> ActivityEntry:
    m = row._mapping
    return ActivityEntry(
        id=m["id"],
        run_id=m["run_id"],
        flow=m["flow"],
        entity=m["entity"],
        record_id=m["record_id"],
        action=m["action"],
        source=documents["source"],
        sent=documents["sent"],
        response=documents["response"],
        message=m["message"],
        created_at=m["created_at"],
    )


class ActivityMixin(PartsMixin):
    """Write, query and purge the activity log."""

    def log_activity(
        self,
        run_id: int | None,
        flow: str,
        entity: str,
        record_id: str | None,
        action: str,
        *,
        source: Mapping[str, Any] | None = None,
        sent: Mapping[str, Any] | None = None,
        response: Mapping[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        """Log what happened to one record (secrets are redacted again here)."""
        entry = NewActivity(
            entity=entity,
            record_id=record_id,
            action=action,
            source=source,
            sent=sent,
            response=response,
            message=message,
        )
        self.log_activity_many(run_id, flow, [entry])

    def log_activity_many(
        self, run_id: int | None, flow: str, entries: Iterable[NewActivity]
    ) -> None:
        """Log many entries in one transaction (one ``executemany``)."""
        with self._write() as conn:
            self._log_activity(conn, run_id, flow, entries)

    def _log_activity(
        self, conn: sa.Connection, run_id: int | None, flow: str, entries: Iterable[NewActivity]
    ) -> None:
        """:meth:`log_activity_many` in the caller's transaction.

        The parts the entries reference (recurring documents, the compression
        dictionary) are stored in the same transaction when they are not yet, so an
        entry never references a part that is not there.
        """
        now = self.clock()
        parts: dict[str, str] = {}
        entries = list(entries)
        memo: dict[int, tuple[str, str]] = {}
        documents = [self._document(entry, parts, memo) for entry in entries]
        raw, dictionary = self._dictionary(conn, flow, [d for d in documents if d is not None])
        pack = compressor(dictionary).compress
        if entries:
            count = len(entries)
            columns: dict[str, Sequence[Any]] = {
                "run_id": [run_id] * count,
                "flow": [flow] * count,
                "entity": [entry.entity for entry in entries],
                "record_id": [entry.record_id for entry in entries],
                "action": [entry.action for entry in entries],
                "message": [entry.message for entry in entries],
                "created_at": [now] * count,
                "payload": [None if document is None else pack(document) for document in documents],
            }
            self._store_parts(conn, parts, raw, now)
            self._insert_columns(conn, _INSERT, columns)

    def _document(
        self, entry: NewActivity, parts: dict[str, str], memo: dict[int, tuple[str, str]]
    ) -> bytes | None:
        """The JSON of ``entry``'s documents, redacted and reduced (None when it has none)."""
        if entry.source is None and entry.sent is None and entry.response is None:
            return None
        source = "null"
        if entry.source is not None:
            source = source_text(entry.source, entry.source_json, self._part_seen(), parts, memo)
        sent_text = clean_text(entry.sent, entry.sent_json)
        response_text = clean_text(entry.response, None)
        text = f'{{"source":{source},"sent":{sent_text},"response":{response_text}}}'
        return text.encode()

    def activity(
        self,
        run_id: int | None = None,
        *,
        failed_only: bool = False,
        record_id: str | None = None,
        flow: str | None = None,
        entity: str | None = None,
        limit: int = 1000,
    ) -> list[ActivityEntry]:
        """The newest ``limit`` entries that match, in the order they were written."""
        query = activity.select().order_by(activity.c.id.desc()).limit(limit)
        if run_id is not None:
            query = query.where(activity.c.run_id == run_id)
        if failed_only:
            query = query.where(activity.c.action.in_(FAILED_ACTIONS))
        if record_id is not None:
            query = query.where(activity.c.record_id == record_id)
        if flow is not None:
            query = query.where(activity.c.flow == flow)
        if entity is not None:
            query = query.where(activity.c.entity == entity)
        with self._read() as conn:
            rows = conn.execute(query).all()
            ids = {dictionary_id(r.payload) for r in rows if r.payload is not None} - {0}
            found = self._load_raw(conn, {dictionary_key(i) for i in ids})
            dictionaries = {
                i: decompressor(found[dictionary_key(i)]) for i in ids if dictionary_key(i) in found
            }
            documents = [_documents(row, dictionaries) for row in rows]
            wanted = set[str]().union(*(part_refs(d["source"]) for d in documents))
            loaded = self._load_parts(conn, wanted)
        entries = []
        for row, docs in zip(rows, documents, strict=True):
            if docs["source"] is not None:
                expand(docs["source"], lambda key: loaded.get(key) or _missing_part(key))
            entries.append(_entry(row, docs))
        entries.reverse()
        return entries

    def purge_activity(self, older_than: timedelta) -> int:
        """Delete entries written more than ``older_than`` ago; returns how many.

        Also parked records that first failed longer ago lose their payload (see
        :meth:`purge`, which does this and makes sure the bytes are gone from disk).
        """
        return self.purge(older_than).activity

    def purge(self, older_than: timedelta) -> Purged:
        """Forget personal data older than ``older_than``: delete activity entries,
        empty the payload of parked records that first failed before then (the record
        stays parked, with its message, until the source sends it again), and empty
        the data of records pushed through the HTTP API before then (each keeps its id,
        change number and content hash, so that the same record pushed again lands
        nothing and the ``push`` source skips it).

        Master data stored once for many entries (parts) and compression dictionaries
        go with the last entry that references them.

        SQLite overwrites what it deletes (``secure_delete``) and then empties its
        write-ahead log, so the data is gone from the files; PostgreSQL's space is
        vacuumed (see docs/operations.md for what that does and does not erase).
        """
        cutoff = self.clock() - older_than
        with self._write() as conn:
            if self.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            removed = conn.execute(activity.delete().where(activity.c.created_at < cutoff))
            self._purge_parts(conn, cutoff)
            emptied = conn.execute(
                parked.update()
                .where(parked.c.first_failed_at < cutoff, parked.c.data != sa.literal({}, JSONData))
                .values(data={})
            )
            forgotten = conn.execute(
                pushed.update()
                .where(pushed.c.pushed_at < cutoff, pushed.c.data != sa.literal({}, JSONData))
                .values(data={})
            )
        self._compact()
        return Purged(
            activity=int(removed.rowcount),
            parked=int(emptied.rowcount),
            pushed=int(forgotten.rowcount),
        )

    def _compact(self) -> None:
        """Make deleted rows unreadable on disk: SQLite checkpoints and truncates its
        write-ahead log (older copies of the pages live there); PostgreSQL vacuums."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":  # outside any transaction: the driver's own connection
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                auto.exec_driver_sql(
                    f"VACUUM {activity.name}, {activity_parts.name}, {parked.name}, {pushed.name}"
                )


@attrs.frozen
class Purged:
    """What :meth:`ActivityMixin.purge` forgot: activity entries deleted, parked records
    whose payload was emptied, pushed records whose data was emptied."""

    activity: int
    parked: int
    pushed: int = 0
