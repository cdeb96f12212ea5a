"""Customers: accounts with status C (``crm/Accounts``); a company gets its person as contact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from koppel.sync import Action, SourceRecord, WriteResult, read_each
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.entity_sets import ACCOUNTS, CONTACTS
from koppel_exact_online.odata import jsonable, pad_code
from koppel_exact_online.resources._base import MasterData, stamped, synced

__all__ = ["Customers"]


class Customers(MasterData):
    entity = "customers"
    deletions = True  # sync/Deleted
    match_keys = {"email": "Email"}
    description = "accounts with status C (crm/Accounts); a company gets its person as contact"
    entity_set = ACCOUNTS

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        """Accounts deleted since ``cursor`` (``sync/Deleted``), then those changed."""
        return self.with_deletions(ACCOUNTS, cursor, self.changes)

    def changes(self, position: FeedCursor) -> Iterator[SourceRecord]:
        """The accounts changed since ``position``, those of this entity as records."""
        rows = self.client.sync(ACCOUNTS, position.main)
        return stamped(read_each(rows, self.record, id_field="ID"), position)

    def record(self, row: Mapping[str, Any]) -> SourceRecord | None:
        """The account as a record, or None when it is not one of this entity's."""
        return synced(row) if row.get("Status") == "C" else None

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Write the account (its code padded to 18), then a new one's ``Contact``."""
        body = dict(payload)
        contact = body.pop("Contact", None)
        if body.get("Code"):
            body["Code"] = pad_code(body["Code"])
        result = super().upsert(action, body, target_id)
        if contact and action is not Action.UPDATE:
            self.client.create(CONTACTS, {**jsonable(contact), "Account": result.target_id})
        return result
