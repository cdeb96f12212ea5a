"""Relations: EasyParty's organisations and persons, once per ledger side.

A relation that is debtor and creditor is two records, ``<id>:debtor`` and
``<id>:creditor``, each with its own number. A record without a number says when it
is due for one (``_number_due``): the earliest event of the relation made final, or
the earliest invoice that is no draft (the accounting link's rules, facts.ACCOUNTING_LINK).
Writes change only the number and the last sync message (``PATCH /relations/{id}``);
relations are made in EasyParty, never by koppel.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from koppel.connector import Resource
from koppel.errors import RejectedError, SourceRecordError
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    read_id,
    read_moment,
)
from koppel_easyparty import facts
from koppel_easyparty.client import EasyPartyClient

__all__ = ["KINDS", "Relations"]

#: The ledger sides, with the flag and the number field of each.
KINDS = {"debtor": ("is_debtor", "debtor_number"), "creditor": ("is_creditor", "creditor_number")}


class Relations(Resource):
    """Relations by ``changed_at``; found by id (``<id>:<kind>``)."""

    entity = "relations"
    description = "organisations and persons, debtor and/or creditor, with their numbers"
    match_keys = {"id": "id"}

    @property
    def client(self) -> EasyPartyClient:
        """The run's client of this connection."""
        return cast(EasyPartyClient, self.session.client)

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        params = {"changed_since": cursor} if cursor else {}
        due = self.number_due()
        for row in self.client.rows(facts.RELATIONS, params, entity=self.entity):
            yield from self.records(row, due)

    def records(
        self, row: Mapping[str, Any], due: Mapping[str, tuple[str, str]]
    ) -> Iterator[SourceRecord]:
        """One record per ledger side of ``row`` (none for a relation of neither)."""
        try:
            relation = read_id(row, "id")
            moment = read_moment(row, "changed_at")
        except SourceRecordError as exc:
            yield SourceRecord.unreadable(row, exc, id_field="id")
            return
        for kind, (flag, field) in KINDS.items():
            if not row.get(flag):
                continue
            data = {**row, "_kind": kind, "_number": row.get(field)}
            if not row.get(field) and relation in due:
                reason, at = due[relation]
                data["_number_due"] = {"reason": reason, "at": at}
            yield SourceRecord(id=f"{relation}:{kind}", data=data, cursor=moment)

    def number_due(self) -> dict[str, tuple[str, str]]:
        """Relation id -> (why, since when) it is due for a number: its earliest event made
        final, else its earliest invoice that is no draft."""
        due: dict[str, tuple[str, str]] = {}
        events = self.client.rows(facts.EVENTS, {"status": facts.EVENT_FINAL}, entity=self.entity)
        invoices = self.client.rows(facts.INVOICES, {"draft": "false"}, entity=self.entity)
        found = [
            (str(e["relation_id"]), str(e["final_at"]), f"event {e['id']} made final")
            for e in events
            if e.get("relation_id") is not None and e.get("final_at")
        ] + [
            (str(i["relation_id"]), str(i["created_at"]), f"invoice {i['number']} made")
            for i in invoices
            if i.get("relation_id") is not None and i.get("created_at")
        ]
        for relation, at, reason in sorted(found, key=lambda f: (f[1], f[2])):
            due.setdefault(relation, (reason, at))
        return due

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Records by ``<id>:<kind>`` (or a bare id: its debtor side), one call each."""
        found: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            relation, _, kind = str(value).partition(":")
            row = self.client.relation(relation, entity=self.entity)
            if row is None:
                continue
            flag, field = KINDS.get(kind or "debtor", KINDS["debtor"])
            if row.get(flag):
                data = {"number": row.get(field), "sync_message": row.get("sync_message")}
                found[value] = TargetRecord(id=f"{relation}:{kind or 'debtor'}", data=data)
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Write a relation's number and sync message; EasyParty's relations are made in
        EasyParty, so a create is refused.

        :raises RejectedError: for a create.
        """
        if action is not Action.UPDATE or not target_id:
            raise RejectedError(
                "relations are made in EasyParty; koppel writes only their numbers and "
                "sync messages",
                entity=self.entity,
            )
        relation = target_id.partition(":")[0]
        row = self.client.update_relation(relation, payload, entity=self.entity)
        return WriteResult(target_id=target_id, response=row)
