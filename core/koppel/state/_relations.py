"""The relation queue, its debtor and creditor numbers, and the history of its exports.

A CRM's relations wait here until they reach accounting (see :mod:`koppel.relations`):
fetched relations are queued as "insert" or "update", pushed by direct sync or in an
XML export, and leave the queue when accounting holds them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from koppel.errors import RecordError, StateError
from koppel.state._base import StoreBase, chunks
from koppel.state._models import ExportInfo, ExportRow, QueuedRelation, RelationExport
from koppel.state._schema import (
    export_imports,
    export_rows,
    exports,
    number_ranges,
    relation_numbers,
    relation_queue,
)

__all__ = ["ACTIONS", "IMPORT_RESULTS", "IncomingRelation", "OutgoingRow", "RelationsMixin"]

#: What a queued relation asks of accounting.
ACTIONS = ("insert", "update")
#: What the operator can mark about an export's import.
IMPORT_RESULTS = ("ok", "failed")


@attrs.frozen(kw_only=True)
class IncomingRelation:
    """A relation as fetched from the CRM, to queue: ``data`` is the canonical relation
    and ``content_hash`` its hash (what tells a change)."""

    relation: str
    kind: str
    number: str | None
    name: str | None
    data: Mapping[str, Any]
    content_hash: str
    changed_at: datetime | None = None


@attrs.frozen(kw_only=True)
class OutgoingRow:
    """A relation as an export took it: with ``message`` it could not go."""

    relation: str
    number: str | None
    action: str
    content_hash: str
    message: str | None = None


class RelationsMixin(StoreBase):
    """Keep the relation queue, hand relations their numbers, record their exports."""

    def queue_relations(self, queue: str, incoming: Sequence[IncomingRelation]) -> dict[str, int]:
        """Queue the relations fetched for ``queue``; returns counts "new", "changed",
        "unchanged".

        A relation never pushed is queued as "insert" ("waiting" while it has no
        number); one whose data differs from what accounting holds is queued again as
        "update". A relation already queued keeps
        the action the operator gave it; one in an unmarked export keeps waiting for
        that export's result.
        """
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        now = self.clock()
        with self._write() as conn:
            known = self._queued(conn, queue, [r.relation for r in incoming])
            for row in incoming:
                values = {
                    "kind": row.kind,
                    "number": row.number,
                    "name": row.name,
                    "data": dict(row.data),
                    "content_hash": row.content_hash,
                    "changed_at": row.changed_at,
                    "updated_at": now,
                }
                found = known.get(row.relation)
                if found is None:
                    counts["new"] += 1
                    conn.execute(
                        relation_queue.insert().values(
                            queue=queue,
                            relation=row.relation,
                            action="insert",
                            state="queued" if row.number else "waiting",
                            **values,
                        )
                    )
                    continue
                if found.state == "waiting":
                    values.update(state="queued" if row.number else "waiting")
                elif found.state == "synced":
                    if row.content_hash == found.synced_hash:
                        counts["unchanged"] += 1
                        continue
                    values.update(state="queued", action="update", message=None)
                counts["changed" if row.content_hash != found.content_hash else "unchanged"] += 1
                conn.execute(
                    relation_queue.update()
                    .where(relation_queue.c.queue == queue)
                    .where(relation_queue.c.relation == row.relation)
                    .values(**values)
                )
        return counts

    def relation_queue(
        self,
        queue: str,
        *,
        states: Sequence[str] = ("queued",),
        relations: Sequence[str] | None = None,
    ) -> list[QueuedRelation]:
        """The relations of ``queue`` in ``states`` (all of them: an empty tuple), or only
        those named, by kind and relation."""
        query = relation_queue.select().where(relation_queue.c.queue == queue)
        if states:
            query = query.where(relation_queue.c.state.in_(states))
        query = query.order_by(relation_queue.c.kind, relation_queue.c.relation)
        with self._read() as conn:
            if relations is None:
                return [QueuedRelation(**row._mapping) for row in conn.execute(query)]
            found: list[QueuedRelation] = []
            for part in chunks(list(dict.fromkeys(relations))):
                rows = conn.execute(query.where(relation_queue.c.relation.in_(part)))
                found.extend(QueuedRelation(**row._mapping) for row in rows)
        return sorted(found, key=lambda r: (r.kind, r.relation))

    def set_relation_action(self, queue: str, relations: Sequence[str], action: str) -> int:
        """Give the queued ``relations`` the action "insert" or "update"; returns how many.

        :raises RecordError: for another action, or a relation that is not queued.
        """
        if action not in ACTIONS:
            raise RecordError(f"an action is insert or update, not {action!r}", queue=queue)
        with self._write() as conn:
            known = self._queued(conn, queue, relations)
            missing = [r for r in relations if r not in known or known[r].state != "queued"]
            if missing:
                raise StateError(
                    f"not in the queue of {queue!r}: {', '.join(missing)}",
                    queue=queue,
                    record=missing[0],
                )
            for part in chunks(list(relations)):
                conn.execute(
                    relation_queue.update()
                    .where(relation_queue.c.queue == queue)
                    .where(relation_queue.c.relation.in_(part))
                    .values(action=action, updated_at=self.clock())
                )
        return len(set(relations))

    def number_relation(
        self, queue: str, relation: str, range_name: str, start: int, end: int, *, reason: str
    ) -> int:
        """The number of ``relation``: the one it has, else the next free one of
        ``range_name`` (``start``..``end``), given and remembered in one transaction.

        Never one number twice, also with several workers: the range's row is locked
        (``BEGIN IMMEDIATE`` on SQLite) before the relation's number is looked up, and
        a number is unique within its range. A transaction that fails takes no number.

        :raises RecordError: when the range is used up (naming it; the relation waits
            for a number) or empty.
        """
        if start > end:
            raise RecordError(
                f"number range {range_name!r} is empty: start {start} is after end {end}",
                range=range_name,
                record=relation,
            )
        now = self.clock()
        with self._write() as conn:
            conn.execute(
                self._insert(number_ranges)
                .values(name=range_name, next_value=start, updated_at=now)
                .on_conflict_do_nothing(index_elements=[number_ranges.c.name])
            )
            current = conn.execute(
                sa.select(number_ranges.c.next_value)
                .where(number_ranges.c.name == range_name)
                .with_for_update()
            ).scalar_one()
            given = conn.execute(
                sa.select(relation_numbers.c.number)
                .where(relation_numbers.c.queue == queue)
                .where(relation_numbers.c.relation == relation)
            ).scalar_one_or_none()
            if given is not None:
                return int(given)
            value = max(int(current), start)
            if value > end:
                raise RecordError(
                    f"number range {range_name!r} is used up: every number from {start} to "
                    f"{end} has been handed out; relation {relation} waits for a number "
                    "until the range is widened",
                    range=range_name,
                    record=relation,
                )
            conn.execute(
                relation_numbers.insert().values(
                    queue=queue,
                    relation=relation,
                    range=range_name,
                    number=value,
                    reason=reason,
                    created_at=now,
                )
            )
            conn.execute(
                number_ranges.update()
                .where(number_ranges.c.name == range_name)
                .values(next_value=value + 1, updated_at=now)
            )
        return value

    def relation_numbers(self, queue: str) -> dict[str, int]:
        """Relation -> the number :meth:`number_relation` gave it, for ``queue``."""
        query = sa.select(relation_numbers.c.relation, relation_numbers.c.number).where(
            relation_numbers.c.queue == queue
        )
        with self._read() as conn:
            return {row.relation: int(row.number) for row in conn.execute(query)}

    def relations_synced(self, queue: str, sent: Mapping[str, str]) -> None:
        """Accounting holds the relations of ``sent`` (relation -> the content hash sent):
        they leave the queue, unless they changed since."""
        with self._write() as conn:
            self._synced(conn, queue, sent)

    def relations_failed(self, queue: str, messages: Mapping[str, str]) -> None:
        """The relations of ``messages`` could not be pushed: they stay (or are back) in
        the queue with their message, to be tried again."""
        with self._write() as conn:
            for relation, message in messages.items():
                conn.execute(
                    relation_queue.update()
                    .where(relation_queue.c.queue == queue)
                    .where(relation_queue.c.relation == relation)
                    .values(state="queued", message=message, export_id=None)
                )

    def record_relation_export(
        self,
        queue: str,
        path: str,
        rows: Sequence[OutgoingRow],
        *,
        status: str,
        message: str | None = None,
    ) -> int:
        """Record an export of ``queue`` to ``path`` with its ``rows``; returns its id.

        ``status`` "ok": the rows wait in the export for its import's result (see
        :meth:`mark_relation_export`). "failed": the rows with a message carry it in the
        queue. "trial": nothing in the queue changes.
        """
        written = sum(1 for row in rows if row.message is None) if status != "failed" else 0
        with self._write() as conn:
            export_id = int(
                conn.execute(
                    exports.insert()
                    .values(
                        flow=queue,
                        entity="relations",
                        path=path,
                        status=status,
                        message=message,
                        records=written,
                        created_at=self.clock(),
                    )
                    .returning(exports.c.id)
                ).scalar_one()
            )
            self._executemany(
                conn,
                export_rows.insert(),
                [{"export_id": export_id, **attrs.asdict(row)} for row in rows],
            )
            for row in rows:
                change: dict[str, Any] | None = None
                if status == "ok":
                    change = {"state": "exported", "export_id": export_id, "message": None}
                elif status == "failed" and row.message is not None:
                    change = {"message": row.message}
                if change is not None:
                    conn.execute(
                        relation_queue.update()
                        .where(relation_queue.c.queue == queue)
                        .where(relation_queue.c.relation == row.relation)
                        .values(**change)
                    )
        return export_id

    def relation_exports(self, queue: str, limit: int = 50) -> list[RelationExport]:
        """The latest ``limit`` exports of ``queue`` with their import's mark, newest first."""
        query = (
            sa.select(exports, export_imports)
            .outerjoin(export_imports, export_imports.c.export_id == exports.c.id)
            .where(exports.c.flow == queue)
            .where(exports.c.entity == "relations")
            .order_by(exports.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [_relation_export(dict(row._mapping)) for row in conn.execute(query)]

    def relation_export(self, export_id: int) -> RelationExport:
        """Export ``export_id`` with its import's mark.

        :raises StateError: when there is no relation export of that id.
        """
        query = (
            sa.select(exports, export_imports)
            .outerjoin(export_imports, export_imports.c.export_id == exports.c.id)
            .where(exports.c.id == export_id)
            .where(exports.c.entity == "relations")
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise StateError(f"no relation export {export_id}", record=str(export_id))
        return _relation_export(dict(row._mapping))

    def export_rows(self, export_id: int) -> list[ExportRow]:
        """The rows of export ``export_id``, by relation."""
        query = (
            export_rows.select()
            .where(export_rows.c.export_id == export_id)
            .order_by(export_rows.c.relation)
        )
        with self._read() as conn:
            return [ExportRow(**row._mapping) for row in conn.execute(query)]

    def mark_relation_export(
        self, export_id: int, result: str, *, note: str | None = None, by: str | None = None
    ) -> int:
        """Mark whether export ``export_id`` imported into accounting ("ok" or "failed");
        returns how many relations it moved.

        "ok": its relations leave the queue (those changed since come back as "update").
        "failed": they return to the queue with the note as their message.

        :raises RecordError: for another result, or an export that is no real export
            (failed, trial) or is marked already.
        """
        if result not in IMPORT_RESULTS:
            raise RecordError(f"an import is ok or failed, not {result!r}", record=str(export_id))
        found = self.relation_export(export_id)
        if found.export.status != "ok":
            raise RecordError(
                f"export {export_id} is a {found.export.status} export; only an export that "
                "wrote relations can be marked",
                record=str(export_id),
            )
        if found.imported is not None:
            raise RecordError(
                f"export {export_id} is marked {found.imported} already", record=str(export_id)
            )
        queue = found.export.flow
        rows = {row.relation: row.content_hash for row in self.export_rows(export_id)}
        with self._write() as conn:
            conn.execute(
                export_imports.insert().values(
                    export_id=export_id,
                    result=result,
                    note=note,
                    marked_by=by,
                    marked_at=self.clock(),
                )
            )
            waiting = set(
                conn.execute(
                    sa.select(relation_queue.c.relation)
                    .where(relation_queue.c.queue == queue)
                    .where(relation_queue.c.export_id == export_id)
                    .where(relation_queue.c.state == "exported")
                ).scalars()
            )
            if result == "ok":
                self._synced(conn, queue, {r: h for r, h in rows.items() if r in waiting})
            else:
                message = f"the import of export {export_id} failed" + (f": {note}" if note else "")
                for part in chunks(sorted(waiting)):
                    conn.execute(
                        relation_queue.update()
                        .where(relation_queue.c.queue == queue)
                        .where(relation_queue.c.relation.in_(part))
                        .values(state="queued", message=message, export_id=None)
                    )
        return len(waiting)

    def _queued(
        self, conn: sa.Connection, queue: str, relations: Sequence[str]
    ) -> dict[str, QueuedRelation]:
        found: dict[str, QueuedRelation] = {}
        for part in chunks(list(dict.fromkeys(relations))):
            query = (
                relation_queue.select()
                .where(relation_queue.c.queue == queue)
                .where(relation_queue.c.relation.in_(part))
            )
            for row in conn.execute(query):
                found[row.relation] = QueuedRelation(**row._mapping)
        return found

    def _synced(self, conn: sa.Connection, queue: str, sent: Mapping[str, str]) -> None:
        now = self.clock()
        known = self._queued(conn, queue, list(sent))
        for relation, content_hash in sent.items():
            row = known.get(relation)
            if row is None:
                continue
            changed = row.content_hash != content_hash
            conn.execute(
                relation_queue.update()
                .where(relation_queue.c.queue == queue)
                .where(relation_queue.c.relation == relation)
                .values(
                    state="queued" if changed else "synced",
                    action="update",
                    synced_hash=content_hash,
                    message=None,
                    export_id=None,
                    updated_at=now,
                )
            )


def _relation_export(values: Mapping[str, Any]) -> RelationExport:
    info = ExportInfo(**{f.name: values[f.name] for f in attrs.fields(ExportInfo)})
    return RelationExport(
        export=info,
        imported=values["result"],
        note=values["note"],
        marked_by=values["marked_by"],
        marked_at=values["marked_at"],
    )
