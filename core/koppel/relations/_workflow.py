"""The relation workflow of one flow: fetch, number, queue, export, history."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from koppel.errors import ConfigurationError, KoppelError, RecordError, RetriableError, StateError
from koppel.log import get_logger
from koppel.records import Relation, structure, unstructure
from koppel.relations._crm import ENTITY, CrmSide
from koppel.relations._direct import DirectResult, sync_direct
from koppel.relations._numbers import Numbering, due_from, give_number, give_numbers
from koppel.relations._settings import RelationSettings
from koppel.relations._xml import XmlResult, export_xml
from koppel.state._relations import IncomingRelation
from koppel.sync import Action, Direction

if TYPE_CHECKING:
    from koppel.engine._setup import RunParts
    from koppel.flows import Flow
    from koppel.plugins import KoppelPluginManager
    from koppel.state import StateStore
    from koppel.state._models import QueuedRelation, RelationExport

__all__ = ["ENTITY", "FetchResult", "RelationWorkflow", "content_hash"]

#: Canonical fields that are no data for accounting (they do not make a change).
_NOT_SENT = ("modified_at", "custom")


def content_hash(relation: Mapping[str, Any]) -> str:
    """The hash of what accounting gets of ``relation`` (a canonical relation)."""
    sent = {k: v for k, v in relation.items() if k not in _NOT_SENT}
    text = json.dumps(sent, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@attrs.frozen
class FetchResult:
    """What a fetch did: queue counts ("new", "changed", "unchanged"), relations numbered,
    relations without a number (they wait), records that could not be read, and
    relations whose number the CRM did not take (they wait too; the next fetch writes
    the same number again), each with why."""

    counts: Mapping[str, int]
    numbering: Numbering
    without_number: Sequence[str]
    unreadable: Mapping[str, str]
    not_written: Mapping[str, str] = attrs.field(factory=dict)


class RelationWorkflow:
    """Push a CRM's relations to accounting as the flow ``flow`` says.

    The flow's source is the CRM (it reads ``relations``), its target the accounting
    system (direct sync writes ``relations`` there; an XML export writes Exact Online's
    eExact file instead). ``[settings.relations]`` holds the export and the number
    ranges (:class:`RelationSettings`).

    :param prepare_connection: called with each connection once built (sandboxes).
    :param by: who acts (recorded with a mark of an export's import).
    """

    def __init__(
        self,
        flow: Flow,
        store: StateStore,
        *,
        manager: KoppelPluginManager | None = None,
        prepare_connection: Callable[[Any], None] | None = None,
        token_store: Any = None,
        by: str | None = None,
    ) -> None:
        if flow.entity != ENTITY:
            raise ConfigurationError(
                f"a relations flow moves relations, not {flow.entity!r}",
                flow=flow.name,
                file=flow.label,
                path="entity",
            )
        self.flow = flow
        self.store = store
        self.settings = RelationSettings.from_flow(flow)
        self.by = by
        self._manager = manager
        self._prepare = prepare_connection
        self._tokens = token_store
        self._parts: RunParts | None = None
        self._crm: CrmSide | None = None
        self.log = get_logger(flow=flow.name, entity=ENTITY)

    @property
    def queue(self) -> str:
        """The queue's name: the flow's."""
        return self.settings.queue

    @property
    def parts(self) -> RunParts:
        """The flow's connections, hooks and mappings (source and target), built on
        first use: a direct sync needs them."""
        if self._parts is None:
            from koppel.engine._setup import build_parts

            self._parts = build_parts(
                self.flow,
                self.store,
                self._plugins(),
                token_store=self._tokens,
                prepare_connection=self._prepare,
            )
        return self._parts

    @property
    def crm(self) -> CrmSide:
        """The CRM's connection, hooks and mappings, built on first use; fetching,
        numbering and an XML export need the CRM only."""
        if self._crm is None:
            self._crm = CrmSide.build(
                self.flow, self.store, self._plugins(), self._tokens, self._prepare
            )
        return self._crm

    def _plugins(self) -> KoppelPluginManager:
        if self._manager is None:
            from koppel.plugins import get_plugin_manager

            self._manager = get_plugin_manager()
        return self._manager

    def close(self) -> None:
        """Close the connections."""
        if self._crm is not None:
            self._crm.connection.close()
        if self._parts is not None:
            self._parts.source.close()
            self._parts.target.close()

    def __enter__(self) -> RelationWorkflow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- fetch and numbers ---------------------------------------------------

    def fetch(self) -> FetchResult:
        """Read every relation of the CRM, number those that are due, and queue those
        with a number: "insert" when never pushed, "update" when changed since."""
        crm = self.crm
        records = crm.hooks.fetch_records(
            connection=crm.connection, entity=ENTITY, cursor=None, filters={}
        )
        relations: dict[str, dict[str, Any]] = {}
        unreadable: dict[str, str] = {}
        for record in records:
            if record.error is not None or record.deleted:
                if record.error is not None:
                    unreadable[record.id] = record.error.message
                continue
            try:
                relations[record.id] = self._canonical(record.data)
            except KoppelError as exc:
                unreadable[record.id] = exc.message
        given = self.store.relation_numbers(self.settings.numbers)
        to_write = {  # numbered before, but the CRM did not take the number
            key: given[key] for key, r in relations.items() if not r.get("number") and key in given
        }
        due = [d for d in map(due_from, relations.values()) if d and d.relation not in to_write]
        numbering = give_numbers(self.store, self.settings, due)
        not_written: dict[str, str] = {}
        for key, number in {**to_write, **numbering.numbered}.items():
            try:
                self._write_back({**relations[key], "number": str(number)})
            except (RecordError, RetriableError) as exc:
                not_written[key] = f"number {number} not written to the CRM: {exc.message}"
            else:
                relations[key]["number"] = str(number)
        incoming = [_incoming(key, relation) for key, relation in relations.items()]
        counts = self.store.queue_relations(self.queue, incoming)
        without = sorted(k for k, r in relations.items() if not r.get("number"))
        return FetchResult(counts, numbering, without, unreadable, not_written)

    def number(self, relation: str, *, reason: str = "asked by the operator") -> int:
        """Give ``relation`` its number now (the one it has, else the next of its range)
        and write it back to the CRM; it is queued with it.

        :raises RecordError: when the CRM has no such relation, or its range is used up.
        """
        known = self.store.relation_queue(self.queue, states=(), relations=[relation])
        if not known:
            raise RecordError(
                f"relation {relation} is not known to {self.queue!r}: run koppel relations "
                "fetch first",
                record=relation,
            )
        data = dict(known[0].data)
        if data.get("number"):
            return int(data["number"])
        number = give_number(
            self.store, self.settings, relation, data.get("kind") or "debtor", reason=reason
        )
        data["number"] = str(number)
        self._write_back(data)
        self.store.queue_relations(self.queue, [_incoming(relation, data)])
        return number

    # -- the queue -------------------------------------------------------------

    def rows(self, *, states: Sequence[str] = ("queued",)) -> list[QueuedRelation]:
        """The queue's rows in ``states`` (every row: an empty tuple)."""
        return self.store.relation_queue(self.queue, states=states)

    def set_action(self, relations: Sequence[str], action: str) -> int:
        """Give queued ``relations`` the action "insert" or "update"."""
        return self.store.set_relation_action(self.queue, relations, action)

    def selected(self, relations: Sequence[str] | None) -> list[QueuedRelation]:
        """The queued rows named, or every queued row when none is named.

        :raises RecordError: naming a relation that is not queued.
        """
        if not relations:
            return self.rows()
        found = self.store.relation_queue(self.queue, relations=relations)
        missing = sorted(set(relations) - {row.relation for row in found})
        if missing:
            raise StateError(
                f"not in the queue of {self.queue!r}: {', '.join(missing)}", record=missing[0]
            )
        return found

    # -- export ----------------------------------------------------------------

    def export(
        self,
        relations: Sequence[str] | None = None,
        *,
        without: Sequence[str] = (),
        trial: bool = False,
        xml: bool | None = None,
    ) -> DirectResult | XmlResult:
        """Export the rows named (every queued row when none), but those ``without``
        names: by direct sync, or as an XML file when the flow says ``export = "xml"``
        (or ``xml`` is true). A ``trial`` writes the XML file only: no row changes and
        the history calls it a trial.

        :raises RecordError: naming a relation that is not queued, or when no row is left.
        """
        if without:
            self.selected(without)
        rows = [row for row in self.selected(relations) if row.relation not in without]
        if not rows:
            raise RecordError(f"nothing to export: no queued relation of {self.queue!r} is left")
        as_xml = trial or (self.settings.export == "xml" if xml is None else xml)
        if as_xml:
            return export_xml(self, rows, trial=trial)
        return sync_direct(self, rows)

    def history(self, limit: int = 50) -> list[RelationExport]:
        """The queue's exports, newest first, with their import's mark."""
        return self.store.relation_exports(self.queue, limit)

    def mark(self, export_id: int, result: str, *, note: str | None = None) -> int:
        """Mark export ``export_id``'s import "ok" or "failed"; returns the rows moved."""
        found = self.store.relation_export(export_id)
        if found.export.flow != self.queue:
            raise RecordError(
                f"export {export_id} belongs to {found.export.flow!r}, not {self.queue!r}",
                record=str(export_id),
            )
        return self.store.mark_relation_export(export_id, result, note=note, by=self.by)

    def folder(self) -> Path:
        """Where XML exports go: the flow's folder, else ``exports/`` beside the state."""
        if self.settings.folder is not None:
            return self.settings.folder
        database = self.store.engine.url.database
        if self.store.dialect == "sqlite" and database not in (None, "", ":memory:"):
            return Path(str(database)).parent / "exports"
        from koppel.state import default_state_path

        return default_state_path().parent / "exports"

    # -- helpers ---------------------------------------------------------------

    def _canonical(self, data: Mapping[str, Any]) -> dict[str, Any]:
        crm = self.crm
        mapped = crm.hooks.map_record(
            connection=crm.connection,
            entity=ENTITY,
            direction=Direction.INBOUND,
            data=data,
            mapping=crm.inbound,
            action=None,
            existing=None,
        )
        result: dict[str, Any] = unstructure(structure(dict(mapped), Relation))
        return result

    def write_message(self, relation: Mapping[str, Any], message: str) -> bool:
        """Write ``message`` (the relation's last sync message) back to the CRM; false
        (and a warning logged) when the CRM does not take it: the push it tells of
        stands, and the queue keeps the message too."""
        custom = {**(relation.get("custom") or {}), "sync_message": message}
        try:
            self._write_back({**relation, "custom": custom})
        except (RecordError, RetriableError) as exc:
            self.log.warning(
                "sync message not written to the CRM", record=relation.get("id"), error=exc.message
            )
            return False
        return True

    def _write_back(self, relation: Mapping[str, Any]) -> None:
        """Write the relation's number and last sync message back to the CRM."""
        crm = self.crm
        payload = crm.hooks.map_record(
            connection=crm.connection,
            entity=ENTITY,
            direction=Direction.OUTBOUND,
            data=relation,
            mapping=crm.outbound,
            action=Action.UPDATE,
            existing=None,
        )
        crm.hooks.upsert(
            connection=crm.connection,
            entity=ENTITY,
            action=Action.UPDATE,
            payload=payload,
            target_id=str(relation["id"]),
        )


def _incoming(key: str, relation: Mapping[str, Any]) -> IncomingRelation:
    return IncomingRelation(
        relation=key,
        kind=str(relation.get("kind") or "debtor"),
        number=relation.get("number"),
        name=relation.get("company_name") or relation.get("name"),
        data=relation,
        content_hash=content_hash(relation),
        changed_at=structure(relation, Relation).modified_at,
    )
