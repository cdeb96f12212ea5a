"""Which orders a flow takes (by status), and fixed data it adds to each (enrichment)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from koppel.errors import ConfigurationError, ValidationError
from koppel.records import Order, evolve

__all__ = ["StatusFilter", "enrich_order", "enrich_source_data"]


def _statuses(value: str | Iterable[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = [value] if isinstance(value, str) else list(value)
    found: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ConfigurationError(
                f"order status filter holds {item!r}; statuses are non-empty strings",
                field="statuses",
            )
        found.add(item.strip().casefold())
    return frozenset(found)


@attrs.frozen
class StatusFilter:
    """Selects orders by status, compared trimmed and case-insensitively; empty takes all.

    >>> StatusFilter(["paid", "Shipped"]).accepts(Order(status=" PAID "))
    True
    """

    statuses: frozenset[str] = attrs.field(default=None, converter=_statuses)

    def accepts(self, order: Order) -> bool:
        """True when the flow should take ``order``; an order without status only with no filter."""
        if not self.statuses:
            return True
        return bool(order.status) and (order.status or "").strip().casefold() in self.statuses


def enrich_order(order: Order, data: Mapping[str, Any]) -> Order:
    """``order`` with ``data`` added to its ``custom`` fields; the flow's fixed values win."""
    if not data:
        return order
    return evolve(order, custom={**order.custom, **data})


def enrich_source_data(
    data: Mapping[str, Any], enrichment: Mapping[str, Any], *, key: str = "enrichment"
) -> dict[str, Any]:
    """Source data with ``enrichment`` under ``key``, for mappings (``enrichment.store_id``).

    :raises ValidationError: when the source data already has a field called ``key``.
    """
    if key in data:
        raise ValidationError(
            f"source record already has a field {key!r}; enrichment would hide it", field=key
        )
    return {**data, key: dict(enrichment)}
