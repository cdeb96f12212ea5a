"""Products: items (``logistics/Items``), matched by code, then barcode."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each
from koppel_exact_online.entity_sets import ITEMS
from koppel_exact_online.resources._base import MasterData, synced

__all__ = ["Products"]


class Products(MasterData):
    entity = "products"
    match_keys = {"sku": "Code", "ean": "Barcode"}
    description = "items (logistics/Items), matched by code, then barcode"
    entity_set = ITEMS

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        """Items deleted since ``cursor`` (``sync/Deleted``), then those changed."""
        return self.with_deletions(
            ITEMS,
            cursor,
            lambda since: read_each(self.client.sync(ITEMS, since), synced, id_field="ID"),
        )
