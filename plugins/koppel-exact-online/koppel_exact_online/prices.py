"""Items' sales prices, which Exact keeps in ``SalesItemPrices``, not on the item.

A price without ``Account`` is the item's usual sales price; one with an account
is a price agreement with that customer and is left alone. An item can have
several usual prices (for periods, minimum quantities); its price today is the
active one (``StartDate`` to ``EndDate``) for the lowest minimum quantity,
the latest started first. A run reads the usual prices of up to :data:`ONE_BY_ONE`
items item by item through ``bulk/Logistics/SalesItemPrices`` (filtered on ``Account``
and ``Item``), and those of every item at once (1,000 a page) when it needs more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from koppel_exact_online.client import ExactClient
from koppel_exact_online.entity_sets import SALES_ITEM_PRICES
from koppel_exact_online.odata import parse_date

__all__ = ["ONE_BY_ONE", "PriceList", "current_price"]

#: Items whose prices a run reads one call each before it reads every usual price.
ONE_BY_ONE = 4

_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _active(row: Mapping[str, Any], now: datetime) -> bool:
    start, end = parse_date(row.get("StartDate")), parse_date(row.get("EndDate"))
    return (start is None or start <= now) and (end is None or now <= end)


def current_price(rows: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, Any] | None:
    """The usual price in force at ``now``: active, lowest minimum quantity, latest start.

    :raises ValueError: for a StartDate or EndDate that is no OData date.
    """
    active = [row for row in rows if _active(row, now)]
    if not active:
        return None
    best = min(
        active,
        key=lambda row: (
            Decimal(str(row.get("Quantity") or 0)),
            -(parse_date(row.get("StartDate")) or _EARLIEST).timestamp(),
        ),
    )
    return dict(best)


class PriceList:
    """The usual sales prices of items: those of a few items read item by item, every
    item's at once when a run needs more (:data:`ONE_BY_ONE`).

    :param now: the moment a price must be in force (the connection's clock).
    """

    def __init__(self, client: ExactClient, now: Callable[[], datetime]) -> None:
        self.client = client
        self.now = now
        self._by_item: dict[str, list[dict[str, Any]]] | None = None
        self._single: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _rows(self, key: str) -> list[dict[str, Any]]:
        with self._lock:
            if self._by_item is None and key not in self._single:
                if len(self._single) < ONE_BY_ONE:
                    condition = f"Account eq null and Item eq guid'{key}'"
                    rows = self.client.bulk(SALES_ITEM_PRICES, filter=condition)
                    self._single[key] = list(rows)
                else:
                    self._load()
            if self._by_item is not None:
                return list(self._by_item.get(key, ()))
            return list(self._single[key])

    def load(self) -> None:
        """Read every item's usual prices now (a read of many items, such as a first one)."""
        with self._lock:
            if self._by_item is None:
                self._load()

    def _load(self) -> None:
        by_item: dict[str, list[dict[str, Any]]] = {}
        for row in self.client.bulk(SALES_ITEM_PRICES, filter="Account eq null"):
            by_item.setdefault(str(row.get("Item") or "").lower(), []).append(row)
        self._by_item = by_item
        self._single.clear()

    def of(self, item_id: str) -> dict[str, Any] | None:
        """Item ``item_id``'s usual sales price today, or None.

        :raises ValueError: for a price whose StartDate or EndDate is no OData date.
        """
        return current_price(self._rows(item_id.lower()), self.now())

    def add(self, row: Mapping[str, Any]) -> None:
        """Keep a price this run wrote (no call for an item not read yet)."""
        with self._lock:
            item = str(row.get("Item") or "").lower()
            known = self._by_item if self._by_item is not None else self._single
            if item not in known and self._by_item is None:
                return
            key = str(row.get("ID")).lower()
            rows = known.setdefault(item, [])
            rows[:] = [r for r in rows if str(r.get("ID")).lower() != key] + [dict(row)]
