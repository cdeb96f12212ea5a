"""Items' sales prices, which Exact keeps in ``SalesItemPrices``, not on the item.

A price without ``Account`` is the item's usual sales price; one with an account
is a price agreement with that customer and is left alone. An item can have
several usual prices (for periods, minimum quantities); its price today is the
active one (``StartDate`` to ``EndDate``) for the lowest minimum quantity,
the latest started first. The usual prices of every item are read once per run
through ``bulk/Logistics/SalesItemPrices`` (1,000 a page, filtered on ``Account``),
never one call per item.
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

__all__ = ["PriceList", "current_price"]

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
    """The usual sales prices of every item, read once on first use.

    :param now: the moment a price must be in force (the connection's clock).
    """

    def __init__(self, client: ExactClient, now: Callable[[], datetime]) -> None:
        self.client = client
        self.now = now
        self._by_item: dict[str, list[dict[str, Any]]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            if self._by_item is None:
                by_item: dict[str, list[dict[str, Any]]] = {}
                for row in self.client.bulk(SALES_ITEM_PRICES, filter="Account eq null"):
                    by_item.setdefault(str(row.get("Item") or "").lower(), []).append(row)
                self._by_item = by_item
            return self._by_item

    def of(self, item_id: str) -> dict[str, Any] | None:
        """Item ``item_id``'s usual sales price today, or None.

        :raises ValueError: for a price whose StartDate or EndDate is no OData date.
        """
        return current_price(self._load().get(item_id.lower(), ()), self.now())

    def add(self, row: Mapping[str, Any]) -> None:
        """Keep a price this run wrote (no call when not loaded yet)."""
        with self._lock:
            if self._by_item is None:
                return
            key = str(row.get("ID")).lower()
            rows = self._by_item.setdefault(str(row.get("Item") or "").lower(), [])
            rows[:] = [r for r in rows if str(r.get("ID")).lower() != key] + [dict(row)]
