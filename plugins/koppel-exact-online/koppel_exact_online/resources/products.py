"""Products: items (``logistics/Items``), matched by code, then barcode, with their usual
sales price from ``SalesItemPrices`` (an item holds none of its own)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from koppel.errors import SourceRecordError
from koppel.sync import Action, SourceRecord, WriteResult, read_each
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.entity_sets import ITEMS, SALES_ITEM_PRICES
from koppel_exact_online.lookups import BATCH
from koppel_exact_online.odata import any_of, guid, jsonable
from koppel_exact_online.resources._base import MasterData, stamped, synced, timestamp

__all__ = ["Products"]


class Products(MasterData):
    entity = "products"
    deletions = True  # sync/Deleted
    match_keys = {"sku": "Code", "ean": "Barcode"}
    description = (
        "items (logistics/Items), matched by code, then barcode, with their usual sales "
        + "price (logistics/SalesItemPrices without Account), read and written"
    )
    entity_set = ITEMS

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        """Items deleted since ``cursor`` (``sync/Deleted``), then those changed or whose
        usual price changed, each once with its price today."""
        return self.with_deletions(ITEMS, cursor, self.changes, second="prices")

    def changes(self, position: FeedCursor) -> Iterator[SourceRecord]:
        """Items changed since ``position``, then those whose usual price changed since
        (read again through ``bulk/Logistics/Items``, 25 a call, never one per item).

        The prices' feed (``sync/Logistics/SalesItemPrices``) is read first; the last
        record carries its new position. On a first read every item comes from its own
        feed, so the prices' feed gives only that position.
        """
        repriced, prices_high = self.repriced(position.second)
        if position.main is None:
            repriced.clear()
            self.lookups.prices.load()  # a first read prices every item: one read of all
        own = read_each(self.client.sync(ITEMS, position.main), synced, id_field="ID")
        last: SourceRecord | None = None  # held back: it carries the prices' new position
        main = position.main
        for record in stamped(own, position):
            repriced.pop(record.id.lower(), None)
            if record.cursor is not None:
                main = FeedCursor.parse(record.cursor, second="prices").main
            if last is not None:
                yield last
            last = self.priced(record)
        ordered = sorted(repriced, key=repriced.__getitem__)
        for start in range(0, len(ordered), BATCH):
            chunk = ordered[start : start + BATCH]
            rows = self.client.bulk(ITEMS, filter=any_of("ID", chunk, literal=guid))
            found = {str(row.get("ID")).lower(): row for row in rows}
            for item in chunk:
                if item not in found:
                    continue  # deleted since: sync/Deleted reports it
                cursor = attrs.evolve(position, main=main, second=repriced[item])
                record = SourceRecord(id=str(found[item]["ID"]), data=found[item])
                if last is not None:
                    yield last
                last = self.priced(attrs.evolve(record, cursor=str(cursor)))
        if last is not None and last.cursor is not None:
            final = FeedCursor.parse(last.cursor, second="prices")
            last = attrs.evolve(last, cursor=str(attrs.evolve(final, second=prices_high)))
        if last is not None:
            yield last

    def repriced(self, since: int | None) -> tuple[dict[str, int], int]:
        """Items whose usual price changed since ``since`` (item -> newest Timestamp), and
        the prices' feed's new position."""
        changed: dict[str, int] = {}
        high = since or 0
        fields = ("ID", "Item", "Account")
        for row in self.client.sync(SALES_ITEM_PRICES, since, select=fields):
            stamp = timestamp(row)
            high = max(high, stamp)
            if row.get("Item") and not row.get("Account"):
                item = str(row["Item"]).lower()
                changed[item] = max(changed.get(item, 0), stamp)
        return changed, high

    def priced(self, record: SourceRecord) -> SourceRecord:
        """A readable record with its usual price today (``SalesPrice``,
        ``SalesPriceCurrency``; None without one), from the run's one read of the prices."""
        if record.error is not None:
            return record
        try:
            price = self.lookups.prices.of(record.id) or {}
        except ValueError as exc:
            problem = SourceRecordError(
                f"its usual sales price cannot be read: {exc}", field="SalesItemPrices"
            )
            return SourceRecord.unreadable(record.data, problem, id_field="ID")
        data = {
            **record.data,
            "SalesPrice": price.get("Price"),
            "SalesPriceCurrency": price.get("Currency"),
        }
        return attrs.evolve(record, data=data)

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Write the item, then its usual sales price (``_SalesPrice``, ``_Currency``) to
        ``logistics/SalesItemPrices`` when it differs from the one Exact has."""
        body = dict(payload)
        price, currency = body.pop("_SalesPrice", None), body.pop("_Currency", None)
        result = super().upsert(action, body, target_id)
        if price is not None:
            self.write_price(result.target_id, Decimal(str(price)), currency, action)
        return result

    def write_price(
        self, item_id: str, price: Decimal, currency: str | None, action: Action
    ) -> None:
        """POST a new item's price; PUT a changed one over the price in force (a new item
        has none, so its price costs no read)."""
        current = None if action is not Action.UPDATE else self.lookups.prices.of(item_id)
        body: dict[str, Any] = {"Price": jsonable(price)}
        if currency:
            body["Currency"] = currency
        if current is None:
            created = self.client.create(SALES_ITEM_PRICES, {"Item": item_id, **body})
            self.lookups.prices.add(created)
            return
        same = Decimal(str(current.get("Price"))) == price
        if same and (not currency or currency == current.get("Currency")):
            return
        self.client.update(SALES_ITEM_PRICES, str(current["ID"]), body)
        self.lookups.prices.add({**current, **body})
