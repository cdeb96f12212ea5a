"""Reading changed records through the Sync API: ``Timestamp gt <cursor>L``, 1,000 a page.

The cursor of a record is its ``Timestamp`` (a row version, no date); the
engine keeps the highest one it may pass, so an unchanged re-run costs one
call per entity, which finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from koppel.errors import ConfigurationError, SourceRecordError
from koppel.sync import SourceRecord, read_each, read_id
from koppel_exact_online.client import SYSTEM, ExactClient
from koppel_exact_online.resources import (
    ACCOUNTS,
    ITEMS,
    SALES_ORDER_LINES_SYNC,
    STOCK_POSITIONS,
)

__all__ = ["READABLE", "read_entity"]

#: Header fields of the sales-order sync rows; the others belong to the line.
_ORDER_HEADER = (
    "OrderID",
    "OrderNumber",
    "OrderDate",
    "OrderedBy",
    "OrderedByName",
    "YourRef",
    "Description",
    "Currency",
    "AmountFCExclVat",
    "AmountFC",
    "Status",
)


def _timestamp(row: Mapping[str, Any]) -> int:
    value = row.get("Timestamp")
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SourceRecordError("Timestamp is not a whole number", field="Timestamp")
    try:
        return int(value)
    except ValueError:
        raise SourceRecordError("Timestamp is not a whole number", field="Timestamp") from None


def _records(
    rows: Iterator[dict[str, Any]],
    key: str,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Iterator[SourceRecord]:
    def read(row: Mapping[str, Any]) -> SourceRecord | None:
        if keep is not None and not keep(row):
            return None
        return SourceRecord(id=read_id(row, key), data=row, cursor=str(_timestamp(row)))

    return read_each(rows, read, id_field=key)


def _is_customer(row: Mapping[str, Any]) -> bool:
    return row.get("Status") == "C"


def _is_relation(row: Mapping[str, Any]) -> bool:
    return row.get("Status") == "C" or bool(row.get("IsSupplier"))


def _orders(client: ExactClient, cursor: str | None) -> Iterator[SourceRecord]:
    """Sales orders from their line rows, each order whole, in order of its last change.

    A line row that names no order is an unreadable record of its own; a line
    row of an order that cannot be read makes that whole order unreadable.
    """
    orders: dict[str, dict[str, Any]] = {}
    stamps: dict[str, int] = {}
    broken: dict[str, SourceRecordError] = {}
    for row in client.sync(SALES_ORDER_LINES_SYNC, cursor):
        try:
            if not isinstance(row, Mapping):
                raise SourceRecordError("a sales order line is not an object")
            order_id = read_id(row, "OrderID")
        except SourceRecordError as exc:
            yield SourceRecord.unreadable(row, exc, id_field="OrderID")
            continue
        order = orders.get(order_id)
        if order is None:
            order = orders[order_id] = {k: row.get(k) for k in _ORDER_HEADER}
            order["SalesOrderLines"] = []
        line = {k: v for k, v in row.items() if k not in _ORDER_HEADER and k != "Timestamp"}
        order["SalesOrderLines"].append(line)
        try:
            stamps[order_id] = max(stamps.get(order_id, 0), _timestamp(row))
        except SourceRecordError as exc:
            broken.setdefault(order_id, exc)
            stamps.setdefault(order_id, 0)
    for order_id in sorted(orders, key=lambda key: stamps[key]):
        order = orders[order_id]
        order["Timestamp"] = stamps[order_id]
        if order_id in broken:
            yield SourceRecord.unreadable(order, broken[order_id], id_field="OrderID")
        else:
            yield SourceRecord(id=order_id, data=order, cursor=str(stamps[order_id]))


#: Entities this plugin reads.
READABLE = ("customers", "relations", "products", "stock", "orders")


def read_entity(client: ExactClient, entity: str, cursor: str | None) -> Iterator[SourceRecord]:
    """The records of ``entity`` changed since ``cursor``, oldest change first."""
    if entity == "customers":
        return _records(client.sync(ACCOUNTS, cursor), "ID", _is_customer)
    if entity == "relations":
        return _records(client.sync(ACCOUNTS, cursor), "ID", _is_relation)
    if entity == "products":
        return _records(client.sync(ITEMS, cursor), "ID")
    if entity == "stock":
        return _records(client.sync(STOCK_POSITIONS, cursor), "ID")
    if entity == "orders":
        return _orders(client, cursor)
    raise ConfigurationError(
        f"Exact Online cannot read {entity!r}; it reads {', '.join(READABLE)}",
        system=SYSTEM,
        entity=entity,
    )
