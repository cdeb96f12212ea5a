"""Stock: positions per item and warehouse (``sync/Inventory/StockPositions``), read only:
Exact changes stock through counts and deliveries.

Exact keeps one position per item **and warehouse**. With the setting ``warehouse``
(a warehouse guid) an item's level is its position in that warehouse only; without
it, the sum of its positions over every warehouse. A warehouse never overwrites
another: the record is the item (id = ``ItemId``), its quantities summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from koppel.errors import SourceRecordError
from koppel.sync import SourceRecord, read_id
from koppel_exact_online.entity_sets import STOCK_POSITIONS
from koppel_exact_online.resources._base import ExactResource, timestamp

__all__ = ["QUANTITIES", "Stock", "summed"]

#: The quantities of a position that add up over warehouses.
QUANTITIES = ("CurrentStock", "PlanningIn", "PlanningOut")


def _quantity(row: Mapping[str, Any], field: str) -> Decimal:
    value = row.get(field)
    if value is None:
        return Decimal(0)
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        return Decimal(str(value))
    except InvalidOperation:
        raise SourceRecordError(f"{field} is not a number: {value!r}", field=field) from None


def summed(item_id: str, positions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One item's positions over every warehouse as one row: quantities added up,
    ``Warehouses`` the number of positions, no single warehouse named.

    :raises SourceRecordError: naming a quantity that is not a number.
    """
    rows = list(positions)
    row: dict[str, Any] = {
        "ItemId": item_id,
        "ItemCode": next((r.get("ItemCode") for r in rows if r.get("ItemCode")), None),
        "Warehouse": None,
        "WarehouseCode": None,
        "Warehouses": len(rows),
    }
    for field in QUANTITIES:
        row[field] = sum((_quantity(r, field) for r in rows), Decimal(0))
    return row


class Stock(ExactResource):
    entity = "stock"
    description = (
        "stock per item (read only): its position in the setting `warehouse`, or without it "
        + "the sum of its positions over every warehouse (sync/Inventory/StockPositions)"
    )

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        """Items whose stock changed since ``cursor``, each once, oldest change first.

        Without a ``warehouse``, an item's unchanged positions in other warehouses count
        too: when anything changed since a cursor, every position is read once more
        (the Sync API filters on Timestamp only), never one call per item.
        """
        warehouse = (self.settings.warehouse or "").strip().lower() or None
        changed: dict[str, list[Mapping[str, Any]]] = {}
        for row in self.client.sync(STOCK_POSITIONS, cursor):
            try:
                if not isinstance(row, Mapping):
                    raise SourceRecordError("a stock position is not an object")
                item_id = read_id(row, "ItemId").lower()
            except SourceRecordError as exc:
                yield SourceRecord.unreadable(row, exc, id_field="ItemId")
                continue
            if warehouse is None or str(row.get("Warehouse") or "").lower() == warehouse:
                changed.setdefault(item_id, []).append(row)
        if warehouse is None and cursor and changed:
            every: dict[str, list[Mapping[str, Any]]] = {}
            for row in self.client.sync(STOCK_POSITIONS):
                if isinstance(row, Mapping) and str(row.get("ItemId") or "").lower() in changed:
                    every.setdefault(str(row["ItemId"]).lower(), []).append(row)
            positions = {item: every.get(item, rows) for item, rows in changed.items()}
        else:
            positions = changed
        yield from sorted(
            (self.record(item, positions[item], rows, warehouse) for item, rows in changed.items()),
            key=lambda record: int(record.cursor or 0),
        )

    def record(
        self,
        item_id: str,
        positions: list[Mapping[str, Any]],
        changed: list[Mapping[str, Any]],
        warehouse: str | None,
    ) -> SourceRecord:
        """The item's stock record; its cursor is the newest of its changed positions."""
        try:
            stamp = max(timestamp(row) for row in changed)
            data = dict(positions[-1]) if warehouse else summed(item_id, positions)
            if warehouse:
                for field in QUANTITIES:
                    data[field] = _quantity(data, field)
        except SourceRecordError as exc:
            return SourceRecord.unreadable({"ItemId": item_id}, exc, id_field="ItemId")
        data["Timestamp"] = stamp
        return SourceRecord(id=item_id, data=data, cursor=str(stamp))
