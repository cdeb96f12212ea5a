"""Stock: positions per item (``sync/Inventory/StockPositions``), read only: Exact changes
stock through counts and deliveries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each
from koppel_exact_online.entity_sets import STOCK_POSITIONS
from koppel_exact_online.resources._base import ExactResource, synced

__all__ = ["Stock"]


class Stock(ExactResource):
    entity = "stock"
    description = "stock positions per item (read only)"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        return read_each(self.client.sync(STOCK_POSITIONS, cursor), synced, id_field="ID")
