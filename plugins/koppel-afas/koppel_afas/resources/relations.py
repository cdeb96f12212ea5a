"""Relations: debtors (*verkooprelaties*) and creditors (*inkooprelaties*), organisations
and persons.

Read from the debtors and creditors GetConnectors by modification date, merged oldest
first; a record's id is its kind and number (``debtor:10001``). Found by kind and
number, then by kind and e-mail address, each among its own side only: AFAS numbers
debtors and creditors apart (a debtor and a creditor may both be 20001; a journal line
says which it means by ``VaAs``), so debtor 20001 is never matched to creditor 20001.
Several relations of one side sharing an e-mail address are
:class:`~koppel.sync.Ambiguous`, lowest number first. Written with the UpdateConnectors
``KnSalesRelationOrg``/``Per`` and ``KnPurchaseRelationOrg``/``Per``: AFAS numbers a new
relation unless the record brings its own number.

Deleted creditors come from the log GetConnector on *Inkooprelatie* where the connection
says so (``deleted_creditors_from_log``; AFAS: "Methode Logboek"); deleted debtors (and
creditors without the log) from a periodic full reload (``full_reload_deletions``).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from koppel.errors import ConfigurationError, UncertainOutcomeError, ValidationError
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_id,
)
from koppel_afas.bodies import relation_body, relation_connector
from koppel_afas.deletions import DELETED, read_records
from koppel_afas.facts import DELETION_LOGS, KEYS
from koppel_afas.resources._base import PLACEHOLDER, AfasResource, filled

__all__ = ["KINDS", "Relations"]

#: The GetConnector role of the log of deleted creditors (facts.DELETION_LOGS).
_LOG = next(iter(DELETION_LOGS))
#: Kind -> (GetConnector role, key field in its recommended definition).
KINDS = {"debtor": ("debtors", "DebtorId"), "creditor": ("creditors", "CreditorId")}


def _pair(value: str) -> tuple[str, str] | None:
    """The kind and the number or e-mail address of a compound match value, or None."""
    try:
        pair = json.loads(value)
    except ValueError:
        return None
    if not isinstance(pair, list) or len(pair) != 2 or pair[0] not in KINDS:
        return None
    return str(pair[0]), str(pair[1])


def _number_order(row: Mapping[str, Any]) -> tuple[int, int | str]:
    number = str(row.get("_number") or "")
    return (0, int(number)) if number.isdigit() else (1, number)


class Relations(AfasResource):
    """Debtors and creditors; ``kind`` filters one side."""

    entity = "relations"
    deletions = True  # with deleted_creditors_from_log or full_reload_deletions
    role = "debtors"
    roles = ("debtors", "creditors")
    update_connectors = (
        "KnSalesRelationOrg",
        "KnSalesRelationPer",
        "KnPurchaseRelationOrg",
        "KnPurchaseRelationPer",
    )
    description = "debtors and creditors (organisations and persons), by number or e-mail"
    #: Compound keys (``["debtor", "20001"]``): a relation is looked up on its own side.
    match_keys = {
        "kind+number": "DebtorId (debtors) or CreditorId (creditors)",
        "kind+email": "Email (debtors or creditors)",
    }
    written_from = {"DbId": "number", "CrId": "number"}
    filters = {"kind": "debtor or creditor: that side only"}

    @classmethod
    def check_filters(cls, filters: Mapping[str, Any]) -> None:
        kind = filters.get("kind")
        if kind is not None and kind not in KINDS:
            raise ConfigurationError(
                f"filter kind must be debtor or creditor, not {kind!r}", path="filters.kind"
            )

    def reads_from(self) -> tuple[str, ...]:
        log = (_LOG,) if self.settings.deleted_creditors_from_log else ()
        return (*self.roles, *log)

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        self.check_filters(filters)
        kinds = [filters["kind"]] if filters.get("kind") else list(KINDS)
        log = self.settings.deleted_creditors_from_log and "creditor" in kinds

        def read(since: str | None) -> Iterator[dict[str, Any]]:
            streams = [self._side(kind, since) for kind in kinds]
            if log:
                streams.append(self._deleted_creditors(since))
            return heapq.merge(*streams, key=lambda row: str(row.get("ModifiedDate") or ""))

        return read_records(
            self,
            read,
            cursor=cursor,
            filters=filters,
            id_field="_id",
            make=self._record,
            reloads=lambda record_id: not (log and record_id.startswith("creditor:")),
        )

    def _side(self, kind: str, since: str | None) -> Iterator[dict[str, Any]]:
        for row in self.changed(KINDS[kind][0], since):
            yield self._tagged(kind, row)

    def _deleted_creditors(self, since: str | None) -> Iterator[dict[str, Any]]:
        """The creditors Profit's log book logged as deleted at or after ``since``."""
        for row in self.changed(_LOG, since):
            yield {**self._tagged("creditor", row), DELETED: True}

    @staticmethod
    def _tagged(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
        key = KINDS[kind][1]
        number = row.get(key)
        return {**row, "_kind": kind, "_number": number, "_id": f"{kind}:{number}"}

    @staticmethod
    def _record(row: Mapping[str, Any], cursor: str | None) -> SourceRecord:
        read_id(row, Relations.key_field(row["_kind"]))
        return SourceRecord(id=read_id(row, "_id"), data=row, cursor=cursor)

    @staticmethod
    def key_field(kind: str) -> str:
        """The recommended key field of ``kind``'s GetConnector."""
        return KINDS[kind][1]

    # -- find -----------------------------------------------------------------------------

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Relations by kind and number or by kind and e-mail address (trimmed, any case):
        each value a JSON pair (``["debtor", "20001"]``) looked up among that side only;
        several for one value are ambiguous, lowest number first. A value that is no
        such pair, or names another kind, matches nothing."""
        wanted: dict[str, dict[str, list[str]]] = {}
        for value in values:
            pair = _pair(value)
            if pair is not None:
                wanted.setdefault(pair[0], {}).setdefault(pair[1], []).append(value)
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for kind, by_value in wanted.items():
            role, key = KINDS[kind]
            field = key if match_key == "kind+number" else "Email"
            found: dict[str, list[dict[str, Any]]] = {}
            for row in self.lookup(role, field, sorted({v.strip() for v in by_value})):
                tagged = self._tagged(kind, row)
                self.session.cache.setdefault("afas:relations", {})[tagged["_id"]] = tagged
                found.setdefault(str(row.get(field) or "").strip().casefold(), []).append(tagged)
            for text, asked in by_value.items():
                rows = sorted(found.get(text.strip().casefold(), []), key=_number_order)
                match = one_match(TargetRecord(id=r["_id"], data=self.as_payload(r)) for r in rows)
                if match is not None:
                    answer.update(dict.fromkeys(asked, match))
        return answer

    @staticmethod
    def as_payload(row: Mapping[str, Any]) -> dict[str, Any]:
        """A GetConnector row in the shape of the outbound payload."""
        person = bool(row.get("IsPerson"))
        data = {
            "_kind": row.get("_kind"),
            "_person": person,
            "number": row.get("_number"),
            "Nm": None if person else row.get("Name"),
            "FiNm": row.get("FirstName") if person else None,
            "LaNm": row.get("LastName") if person else None,
            "EmAd": row.get("Email"),
            "TeNr": row.get("Phone"),
            "VaId": row.get("VatNumber"),
            "Iban": row.get("Iban"),
            "Ad": row.get("Street"),
            "HmNr": row.get("HouseNumber"),
            "HmAd": row.get("HouseNumberAddition"),
            "ZpCd": row.get("PostalCode"),
            "Rs": row.get("City"),
            "CoId": row.get("Country"),
        }
        return {k: v for k, v in data.items() if v is not None}

    # -- write ----------------------------------------------------------------------------

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) a relation, numbered by AFAS unless ``number`` is given, or update
        (PUT) the one ``target_id`` names (``debtor:10001``) with its organisation/person."""
        if action is Action.CREATE:
            kind = str(payload.get("_kind") or "debtor")
            if kind not in KINDS:
                raise ValidationError(
                    f"a relation is a debtor or a creditor, not {kind!r}", field="kind"
                )
            number = str(payload["number"]).strip() if payload.get("number") else None
            existing: Mapping[str, Any] = {}
            person = bool(payload.get("_person"))
            method = self.client.insert
        elif action is Action.UPDATE and target_id:
            kind, _, number = target_id.partition(":")
            if kind not in KINDS or not number:
                raise ConfigurationError(f"{target_id!r} is no AFAS relation id (debtor:NUMBER)")
            wanted = payload.get("_kind")
            if wanted and wanted != kind:
                # AFAS numbers debtors and creditors apart; a target id bound or given
                # elsewhere may name the other side: never turn a creditor into a debtor
                raise ValidationError(
                    f"number {number} is {kind} {number} in AFAS, not a {wanted}; AFAS keeps "
                    f"debtor and creditor numbers apart: give the {wanted} another number",
                    record=number,
                    field="number",
                )
            existing = self.current(kind, number)
            if not existing.get("OrgPersonCode"):
                # without it AFAS would add a new organisation or person to the relation
                raise ValidationError(
                    f"AFAS answered {kind} {number} without its organisation/person number "
                    "(OrgPersonCode); it cannot be updated",
                    record=number,
                    field="OrgPersonCode",
                )
            person = bool(existing.get("IsPerson"))
            method = self.client.update
        else:
            raise ConfigurationError(f"upsert cannot {action} without a target", entity=self.entity)
        connector = relation_connector(kind, person)
        key = KEYS[connector]
        payload = (
            {"CuId": self.settings.currency, **payload} if action is Action.CREATE else payload
        )
        body = relation_body(
            payload,
            connector=connector,
            key=key,
            number=number,
            code=existing.get("OrgPersonCode"),
            today=date.fromtimestamp(self.session.clock.now()),
        )
        context: dict[str, Any] = {"entity": self.entity, "record": number or payload.get("EmAd")}
        results = method(connector, body, context=context).get(connector, {})
        assigned = results.get(key) or number
        if not assigned:
            raise UncertainOutcomeError(
                f"AFAS answered the new relation without its {key}", **context
            )
        return WriteResult(target_id=f"{kind}:{assigned}", response=results)

    def sample_bodies(
        self, own: Sequence[str], lines: Sequence[str]
    ) -> Mapping[str, Mapping[str, Any]]:
        """A new relation through each of the four UpdateConnectors, its number given."""
        payload = filled([f for f in own if f != "number"], CuId=self.settings.currency)
        return {
            connector: relation_body(
                payload,
                connector=connector,
                key=KEYS[connector],
                number=PLACEHOLDER,
                code=None,
                today=date.fromtimestamp(self.session.clock.now()),
            )
            for connector in self.update_connectors
        }

    def current(self, kind: str, number: str) -> Mapping[str, Any]:
        """The relation ``kind:number`` as last read this run, else read by its number.

        :raises ValidationError: when AFAS has no such relation.
        """
        cached: Mapping[str, Any] | None = self.session.cache.get("afas:relations", {}).get(
            f"{kind}:{number}"
        )
        if cached is not None:
            return cached
        role, key = KINDS[kind]
        for row in self.lookup(role, key, [number]):
            return self._tagged(kind, row)
        raise ValidationError(f"AFAS has no {kind} {number}", record=number, entity=self.entity)
