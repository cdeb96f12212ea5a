"""Journal pages (``DJ2``) as journal entries: created once, found by number (``INV_NR``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.connector import Resource
from koppel.errors import RejectedError
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_accountview.creditors import book_on_creditors
from koppel_accountview.journal import write_journal_page
from koppel_accountview.schema import JOURNAL_PAGES


def refuse_update(resource: Resource, action: Action, target_id: str | None) -> None:
    """Refuse anything but a create: koppel never changes what it booked in AccountView.

    :raises RejectedError: for an update.
    """
    if action != Action.CREATE:
        raise RejectedError(
            f"AccountView {resource.entity} are created once and never updated by koppel "
            f"(existing {target_id}); correct it in AccountView",
            entity=resource.entity,
        )


def record_of(payload: Mapping[str, Any]) -> str | None:
    """The number a payload's record goes by in errors: its order or invoice number."""
    header = payload.get("header")
    if isinstance(header, Mapping):
        return header.get("ORD_REF") or header.get("INV_NR")
    return payload.get("INV_NR")


class JournalEntries(Resource):
    """A balanced page in the journal its header names; a creditor line's relation is
    booked as the AccountView creditor it names (:mod:`koppel_accountview.creditors`),
    any other line's relation as it is."""

    entity = "journal_entries"
    match_keys = {"number": "INV_NR"}
    update = False
    description = "journal pages (DJ2); a creditor line's relation as the creditor it names"

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Pages by ``INV_NR``; a number several pages share is
        :class:`~koppel.sync.Ambiguous`, lowest page number first."""
        found: dict[str, TargetRecord | Ambiguous] = self.client.find(
            JOURNAL_PAGES, self.match_keys[match_key], values
        )
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        refuse_update(self, action, target_id)
        record = record_of(payload)
        page = book_on_creditors(self.session, payload, record)
        return write_journal_page(self.client, page, None, record)
