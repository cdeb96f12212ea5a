"""What Exact Online's resources share: the run's client and lookups, records of the Sync
API and of its deletion log, master data found in the run's index, documents found by
their reference."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs

from koppel.connector import Resource
from koppel.errors import RejectedError, SourceRecordError
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_id,
)
from koppel_exact_online.client import SYSTEM, ExactClient
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.documents import Prepared, prepare_document
from koppel_exact_online.entity_sets import DELETED, EntitySet
from koppel_exact_online.index import Kept
from koppel_exact_online.lookups import Lookups
from koppel_exact_online.odata import jsonable, timestamp
from koppel_exact_online.settings import ExactSettings

__all__ = ["Document", "ExactResource", "MasterData", "stamped", "synced", "timestamp"]


def synced(row: Mapping[str, Any]) -> SourceRecord:
    """A Sync API row as a record; its ``Timestamp`` is the cursor after it."""
    return SourceRecord(id=read_id(row, "ID"), data=row, cursor=str(timestamp(row)))


def stamped(records: Iterable[SourceRecord], position: FeedCursor) -> Iterator[SourceRecord]:
    """``records`` of an entity's own feed, each cursor (its Timestamp) made the whole
    :class:`~koppel_exact_online.cursors.FeedCursor` at ``position``."""
    for record in records:
        if record.cursor is not None:
            cursor = str(attrs.evolve(position, main=int(record.cursor)))
            record = attrs.evolve(record, cursor=cursor)
        yield record


class ExactResource(Resource):
    """An Exact Online entity: the connection's client and the run's lookup caches."""

    @property
    def client(self) -> ExactClient:
        return self.session.client  # type: ignore[no-any-return]

    @property
    def settings(self) -> ExactSettings:
        return self.session.settings  # type: ignore[no-any-return]

    @property
    def lookups(self) -> Lookups:
        """Accounts, items and GL accounts by key (kept between runs in the state store,
        saved when the run ends), documents by reference: once per run."""
        return self.session.cached("lookups", self._lookups)  # type: ignore[no-any-return]

    def _lookups(self) -> Lookups:
        clock, client = self.session.clock, self.client
        kept = Kept(self.session.remembered, f"{client.host}/{client.division}")
        lookups = Lookups(client, lambda: datetime.fromtimestamp(clock.now(), UTC), kept)
        self.session.connection.on_close(lookups.save)
        return lookups

    def check_online(self, direction: str) -> str:
        """Ask Exact (``koppel check --online``): ``current/Me`` with the connection's
        token, its division kept anew; the kept accounts, items and GL accounts are
        forgotten, so the next run reads what it needs afresh. Nothing is written.

        :raises AuthError: when Exact refuses the token.
        """
        division = self.client.ask_division()
        for index in self.lookups.indexes.values():
            index.forget()
        return (
            f"current/Me answers (current division {division}); the next run reads the "
            + "accounts, items and GL accounts it needs afresh"
        )

    def with_deletions(
        self,
        entity_set: EntitySet,
        cursor: str | None,
        changes: Callable[[FeedCursor], Iterable[SourceRecord]],
        *,
        second: str | None = None,
    ) -> Iterator[SourceRecord]:
        """The records of ``entity_set`` deleted since ``cursor`` (``sync/Deleted``), then
        ``changes(position)``: the changed ones, their cursors made from ``position``
        (whose ``deleted`` is already past the deletions yielded).

        ``cursor`` is a :class:`~koppel_exact_online.cursors.FeedCursor` (a plain number:
        the own feed's, from before deletions were read; ``second`` names a second feed
        the entity is read from, such as ``prices``). A first read yields no deletions
        (the target has none of those records) but starts the deletion feed's position.
        The log holds every entity's deletions and filters on Timestamp only, so those
        of others are read and skipped.
        """
        position = FeedCursor.parse(cursor, second=second)
        high = position.deleted
        for row in self.client.sync(DELETED, position.deleted):
            try:
                stamp: int | None = timestamp(row)
            except SourceRecordError:
                stamp = None
            if stamp is not None:
                high = max(high or 0, stamp)
            ours = str(row.get("EntityType")) == str(entity_set.entity_type)
            if not ours or position.main is None:
                continue
            try:
                key = read_id(row, "EntityKey").lower()
                if stamp is None:
                    raise SourceRecordError("Timestamp is not a whole number", field="Timestamp")
            except SourceRecordError as exc:
                yield SourceRecord.unreadable(row, exc, id_field="EntityKey")
                continue
            at = str(attrs.evolve(position, deleted=stamp))
            yield SourceRecord.removed(key, cursor=at, data={"DeletedDate": row.get("DeletedDate")})
        yield from changes(attrs.evolve(position, deleted=high))

    def save(
        self, target: EntitySet, action: Action, body: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create a record of ``target``, or update the header of record ``target_id``
        (lines change through their own endpoint; booked entries do not change)."""
        body = {k: v for k, v in body.items() if not k.startswith("_")}
        if action is not Action.UPDATE:
            created = self.client.create(target, body)
            return WriteResult(target_id=str(created[target.key]), response=created)
        if target_id is None:
            raise RejectedError(
                "an update needs the target's id", system=SYSTEM, entity=self.entity
            )
        if target.booked:
            raise RejectedError(
                f"Exact Online does not change booked {target.name}; reverse and book again",
                system=SYSTEM,
                entity=self.entity,
                record=target_id,
            )
        if target.lines:
            body.pop(target.lines, None)
        self.client.update(target, target_id, body)
        return WriteResult(target_id=target_id, response={})


class MasterData(ExactResource):
    """Accounts or items: found by a match key in the run's index, one call per write."""

    #: The entity set its records live in.
    entity_set: ClassVar[EntitySet]

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Each value's record; a value several records share (one e-mail address on
        several accounts) is :class:`~koppel.sync.Ambiguous` with all of them, lowest
        code first."""
        index, field = self.lookups.indexes[self.entity_set], self.match_keys[match_key]
        rows = index.find(field, values)
        normalise = index.keys[field]
        found = {}
        for value in values:
            match = one_match(
                TargetRecord(id=str(r["ID"]), data=r) for r in rows.get(normalise(value) or "", ())
            )
            if match is not None:
                found[value] = match
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        body = jsonable(payload)
        index = self.lookups.indexes[self.entity_set]
        try:
            result = self.save(self.entity_set, action, body, target_id)
        except RejectedError as exc:
            if target_id and exc.context.get("status") == 404:
                index.remove(target_id)  # gone in Exact: the next run looks it up afresh
            raise
        index.add(result.response or {**body, "ID": result.target_id})
        return result

    def delete(self, target_id: str) -> None:
        """DELETE the account or item (Exact documents DELETE for both); one already gone
        (404) counts as deleted. Exact refuses one still in use (an account with
        transactions), a :class:`~koppel.errors.RejectedError` with its message."""
        self.client.delete(self.entity_set, target_id)
        self.lookups.indexes[self.entity_set].remove(target_id)


class Document(ExactResource):
    """Orders, invoices, entries: found by reference in batches, written whole with every
    related record resolved from the run's lookups."""

    def target(self) -> EntitySet:
        """The entity set this connection writes the entity to."""
        raise NotImplementedError

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord]:
        ids = self.lookups.documents(self.target().searched, [str(v) for v in values])
        return {value: TargetRecord(id=key) for value, key in ids.items()}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        return self.send(action, payload, self.prepare(payload), target_id)

    def prepare(self, payload: Mapping[str, Any]) -> Prepared:
        """The mapped ``payload`` ready for Exact, its related records resolved."""
        return prepare_document(
            jsonable(payload), self.target(), self.settings, self.lookups, entity=self.entity
        )

    def send(
        self,
        action: Action,
        payload: Mapping[str, Any],
        prepared: Prepared,
        target_id: str | None,
    ) -> WriteResult:
        """Write ``prepared``. When Exact refuses it, a kept id may be gone: the keys the
        document used are read again, and it is sent once more only when one of them now
        names another record."""
        target = self.target()
        try:
            result = self.save(target, action, prepared.body, target_id)
        except RejectedError:
            if not prepared.used:
                raise
            self.lookups.verify(prepared.used)
            again = self.prepare(payload)
            if again.body == prepared.body:
                raise
            prepared = again
            result = self.save(target, action, prepared.body, target_id)
        if prepared.reference and action is not Action.UPDATE:
            supplier = prepared.body.get("Supplier")
            self.lookups.remember(
                target.searched, prepared.reference, result.target_id, Supplier=supplier
            )
        return result
