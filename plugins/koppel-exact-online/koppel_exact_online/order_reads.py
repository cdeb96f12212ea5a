"""Sales orders read whole from their two Sync API feeds, headers and lines.

Exact's 2025 reference has no ``sync/SalesOrder/SalesOrders`` any more (its
``sync/Deleted`` entity type 12 "is going to be removed"): headers and lines have
a feed each, ``sync/SalesOrder/SalesOrderHeaders`` and ``…/SalesOrderLines``, and
each row its own Timestamp, so a changed line does not touch its header and a
changed header does not touch its lines. An order is read whole: after a first
read, every line of each order touched in either feed is read again through
``bulk/SalesOrder/SalesOrderLines`` and the header of one touched only through its
lines through ``bulk/SalesOrder/SalesOrders``, 25 orders a call, never one per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from koppel.errors import SourceRecordError
from koppel.sync import SourceRecord, read_id
from koppel_exact_online.client import ExactClient
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.entity_sets import (
    SALES_ORDER_HEADER,
    SALES_ORDER_HEADERS,
    SALES_ORDER_LINES,
    EntitySet,
)
from koppel_exact_online.lookups import BATCH
from koppel_exact_online.odata import any_of, guid, timestamp

__all__ = ["orders_cursor", "read_orders"]

#: Fields of a line row that belong to its order, not to the line.
_NOT_LINE = ("Timestamp", "OrderID", "OrderNumber")


class _Feed:
    """The rows of one feed by order (lower-case OrderID), with each order's newest Timestamp
    and the first problem of an order with a row that cannot be read."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Mapping[str, Any]]] = {}
        self.stamps: dict[str, int] = {}
        self.broken: dict[str, SourceRecordError] = {}

    def read(self, rows: Iterable[Any], *, stamped: bool = True) -> Iterator[SourceRecord]:
        """Take ``rows``; yield an unreadable record for each one naming no order."""
        for row in rows:
            try:
                if not isinstance(row, Mapping):
                    raise SourceRecordError("a sales order row is not an object")
                order = read_id(row, "OrderID").lower()
            except SourceRecordError as exc:
                yield SourceRecord.unreadable(row, exc, id_field="OrderID")
                continue
            self.rows.setdefault(order, []).append(row)
            try:
                stamp = timestamp(row) if stamped else None
            except SourceRecordError as exc:
                self.broken.setdefault(order, exc)  # the whole order is unreadable
                continue
            if stamp is not None:
                self.stamps[order] = max(self.stamps.get(order, 0), stamp)


def _by_orders(
    client: ExactClient, entity_set: EntitySet, orders: list[str], select: tuple[str, ...]
) -> Iterator[Mapping[str, Any]]:
    """The rows of ``entity_set`` of ``orders`` through its bulk endpoint, 25 orders a call."""
    for start in range(0, len(orders), BATCH):
        wanted = any_of("OrderID", orders[start : start + BATCH], literal=guid)
        yield from client.bulk(entity_set, select=select, filter=wanted)


def orders_cursor(cursor: str | None) -> str | None:
    """``cursor`` as the orders' feeds read it: a plain Timestamp, the old single feed's,
    stands for both headers and lines (a row version is "higher than the highest
    available value at that time", so no line changed since has a lower one)."""
    if cursor and cursor.strip().isdigit():
        stamp = int(cursor)
        return str(FeedCursor(main=stamp, second=stamp, label="lines"))
    return cursor


def read_orders(client: ExactClient, position: FeedCursor) -> Iterator[SourceRecord]:
    """Orders changed since ``position`` (headers' and lines'), each whole, oldest change
    first; their cursors (``position`` moved on) never go back. An order whose header is
    gone since (deleted) is left out."""
    first = position.main is None
    lines, headers = _Feed(), _Feed()
    yield from lines.read(client.sync(SALES_ORDER_LINES, position.second))
    yield from headers.read(client.sync(SALES_ORDER_HEADERS, position.main))
    changed_lines = dict(lines.stamps)
    broken = {**lines.broken, **headers.broken}
    if not first:
        touched = sorted(set(headers.rows) | set(lines.rows))
        lines = _Feed()
        yield from lines.read(
            _by_orders(client, SALES_ORDER_LINES, touched, SALES_ORDER_LINES.select), stamped=False
        )
        missing = [order for order in touched if order not in headers.rows]
        yield from headers.read(
            _by_orders(client, SALES_ORDER_HEADERS, missing, SALES_ORDER_HEADER), stamped=False
        )
    old_main, old_lines = position.main or 0, position.second or 0

    def change(order: str) -> tuple[int, int]:
        return headers.stamps.get(order, old_main), changed_lines.get(order, old_lines)

    main_high, lines_high = old_main, old_lines
    for order in sorted(set(headers.rows) | set(changed_lines) | set(broken), key=change):
        header_stamp, line_stamp = change(order)
        main_high, lines_high = max(main_high, header_stamp), max(lines_high, line_stamp)
        if order not in headers.rows:
            continue  # deleted since its lines changed
        header = headers.rows[order][-1]
        data: dict[str, Any] = {k: header.get(k) for k in SALES_ORDER_HEADER}
        rows = sorted(lines.rows.get(order, []), key=lambda row: row.get("LineNumber") or 0)
        data["SalesOrderLines"] = [
            {k: v for k, v in row.items() if k not in _NOT_LINE} for row in rows
        ]
        data["Timestamp"] = header_stamp
        if order in broken:
            yield SourceRecord.unreadable(data, broken[order], id_field="OrderID")
            continue
        at = attrs.evolve(position, main=main_high, second=lines_high)
        yield SourceRecord(id=str(header["OrderID"]), data=data, cursor=str(at))
