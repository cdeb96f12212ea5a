"""Journal entries: general journal entries (financial mutations), balanced to the cent."""

from __future__ import annotations

from koppel_exact_online.entity_sets import GENERAL_JOURNAL_ENTRIES, EntitySet
from koppel_exact_online.resources._base import Document

__all__ = ["JournalEntries"]


class JournalEntries(Document):
    entity = "journal_entries"
    #: The header has no reference: the first line's description holds it.
    match_keys = {"reference": "Description"}
    description = "general journal entries (financial mutations), balanced"

    def target(self) -> EntitySet:
        return GENERAL_JOURNAL_ENTRIES
