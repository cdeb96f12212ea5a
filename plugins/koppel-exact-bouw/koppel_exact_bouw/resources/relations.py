"""Relations: Heimdall's contacts (suppliers, subcontractors, customers), read and written.

Read from ``GET /list/contacts`` by ``updatedAt``; found by e-mail address; written with
``POST /contact`` (an ``id`` in the body updates, facts.CLIENTS) and deleted with
``DELETE /contact`` (SDK ContactApi). A relation's kind becomes a contact type by name
(settings ``creditor_contact_type``, ``debtor_contact_type``), read once per run from
``GET /contact-types``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError, RejectedError
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    read_each,
    read_id,
    read_moment,
)
from koppel_exact_bouw import facts
from koppel_exact_bouw.resources._base import ExactBouwResource, matches

__all__ = ["Relations"]

#: Fields of a contact as the outbound mapping writes them, and where a listed contact
#: (SDK ContactListItem) holds each: the list says ``emailAddress`` and ``iban`` where
#: a write says ``email`` and ``accountNumber``.
WRITTEN_FROM_LISTED = {
    "name": "name",
    "email": "emailAddress",
    "phoneNumber": "phoneNumber",
    "vatNumber": "vatNumber",
    "cocNumber": "cocNumber",
    "accountNumber": "iban",
    "debtorNumber": "debtorNumber",
    "streetName": "streetName",
    "houseNumber": "houseNumber",
    "zipCode": "zipCode",
    "city": "city",
    "countryCode": "countryCode",
}


class Relations(ExactBouwResource):
    """Contacts by ``updatedAt``; found by e-mail address (the oldest contact first)."""

    entity = "relations"
    listed = facts.CONTACTS
    description = "contacts: suppliers and subcontractors (creditors), customers (debtors)"
    match_keys = {"email": "emailAddress"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        rows = self.client.changed(facts.CONTACTS, cursor, entity=self.entity)
        return read_each(rows, self.record, id_field="id")

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One listed contact, its ``updatedAt`` the cursor."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_moment(row, "updatedAt"))

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        field = self.match_keys[match_key]
        rows = self.client.lookup(facts.CONTACTS, field, values, entity=self.entity)
        return matches(rows, values, lambda row: str(row.get(field) or ""), self.target)

    def target(self, row: Mapping[str, Any]) -> TargetRecord:
        """A listed contact in the shape the outbound mapping writes, so that an unchanged
        relation maps to the same payload and costs no write; its type is remembered for
        an update."""
        data = {name: row.get(listed) for name, listed in WRITTEN_FROM_LISTED.items()}
        found = row.get("type")
        kind: Mapping[str, Any] = found if isinstance(found, dict) else {}
        debtor = str(kind.get("name") or "") == self.settings.debtor_contact_type
        data["_kind"] = "debtor" if debtor else "creditor"
        if kind.get("id") is not None:
            self.known_types()[str(row["id"])] = int(kind["id"])
        return TargetRecord(
            id=str(row["id"]), data={k: v for k, v in data.items() if v is not None}
        )

    def known_types(self) -> dict[str, int]:
        """Contact id -> its contact type id, for the contacts seen in this run."""
        known: dict[str, int] = self.session.cached("exact-bouw:type-of-contact", dict)
        return known

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create a contact of the relation's type, or update contact ``target_id`` keeping
        its type (a subcontractor stays one)."""
        body = {k: v for k, v in payload.items() if not k.startswith("_")}
        kind = str(payload.get("_kind") or "creditor")
        if action is Action.UPDATE:
            body["id"] = int(str(target_id))
            body["contactType"] = {"id": self.type_of(str(target_id), kind)}
        else:
            body["contactType"] = {"id": self.contact_type(kind)}
        row = self.client.post(
            "/contact", body, entity=self.entity, record=payload.get("email") or payload.get("name")
        )
        return WriteResult(target_id=str(row["id"]), response=row)

    def delete(self, target_id: str) -> None:
        """``DELETE /contact`` with ``{"id": ...}``; a contact already gone counts as deleted."""
        try:
            self.client.delete("/contact", {"id": int(target_id)}, entity=self.entity)
        except RejectedError as exc:
            if exc.context.get("status") != 404:
                raise

    def type_of(self, contact: str, kind: str) -> int:
        """The type of contact ``contact``: as seen in this run, else read; a contact not
        found gets the type of ``kind``."""
        known = self.known_types()
        if contact not in known:
            for row in self.client.lookup(facts.CONTACTS, "id", [int(contact)], entity=self.entity):
                self.target(row)
        return known.get(contact) or self.contact_type(kind)

    def contact_type(self, kind: str) -> int:
        """The id of the contact type a relation of ``kind`` gets.

        :raises ConfigurationError: when the organisation has no type of that name.
        """
        settings = self.settings
        name = (
            settings.creditor_contact_type if kind == "creditor" else settings.debtor_contact_type
        )
        types = self.session.cached(
            "exact-bouw:contact-types", lambda: self.client.get(facts.CONTACT_TYPES)
        )
        for found in types if isinstance(types, list) else ():
            if isinstance(found, dict) and str(found.get("name", "")).casefold() == name.casefold():
                return int(found["id"])
        setting = "creditor_contact_type" if kind == "creditor" else "debtor_contact_type"
        known = ", ".join(str(t.get("name")) for t in types if isinstance(t, dict))
        raise ConfigurationError(
            f"no contact type named {name!r} (the organisation has: {known})",
            path=f"connections.{self.session.connection.name}.settings.{setting}",
        )
