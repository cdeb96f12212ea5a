"""Journal entries (financial mutations, *memoriaalboekingen*) through ``FiEntries``,
written once and balanced; found by voucher number (``BpNr``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_afas.booking import post_entry, sample_entry
from koppel_afas.resources._base import AfasResource

__all__ = ["JournalEntries"]


class JournalEntries(AfasResource):
    """One entry per record: FiEntryPar (year, period, journal) with a line per account
    or debtor (koppel_afas.booking)."""

    entity = "journal_entries"
    role = "journal_entries"
    update_connectors = ("FiEntries",)
    description = "journal entries (financiële mutaties), balanced, by voucher number"
    match_keys = {"number": "VoucherNumber"}
    update = False

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        return self.entries(values)

    def sample_bodies(
        self, own: Sequence[str], lines: Sequence[str]
    ) -> Mapping[str, Mapping[str, Any]]:
        """An entry with a line: the voucher number (``BpNr``) is sent on the lines."""
        header = [f for f in own if f != "BpNr"]
        return {"FiEntries": sample_entry(self.settings, header, lines)}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) a balanced entry (:func:`~koppel_afas.booking.post_entry`)."""
        context: dict[str, Any] = {"entity": self.entity, "record": payload.get("BpNr")}
        if action is not Action.CREATE:
            raise ConfigurationError("journal entries are written once, never updated", **context)
        return post_entry(self, payload, context)
