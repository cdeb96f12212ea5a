"""Sales orders are read from the two feeds Exact's 2025 reference has, headers and lines,
each with its own Timestamp: a change in either gives the whole order, in few calls."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx

from koppel.engine import compare_cursors
from koppel.http import FakeClock
from koppel.sync import SourceRecord
from koppel_exact_online.facts import API
from koppel_exact_online.plugin import connector
from koppel_exact_online.runs import calls
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox


def fetch(connection: Any, cursor: str | None = None) -> list[SourceRecord]:
    """One run's read of orders."""
    connection.close()
    connection.cache.clear()
    return list(connector.fetch_records(connection, "orders", cursor, {}))


def lines(record: SourceRecord) -> list[tuple[str, float]]:
    return [(line["ItemCode"], line["Quantity"]) for line in record.data["SalesOrderLines"]]


def stored(sandbox: ExactSandbox, order_id: str) -> list[tuple[str, float]]:
    order = sandbox.store["SalesOrders"].get(order_id)
    assert order is not None
    return [(line["ItemCode"], line["Quantity"]) for line in order["SalesOrderLines"]]


def test_the_removed_sales_order_feed_is_neither_called_nor_served(sandbox: ExactSandbox) -> None:
    assert API.match("GET", f"/api/v1/{sandbox.division}/sync/SalesOrder/SalesOrders") is None
    token = sandbox.oauth.grant().access_token  # type: ignore[union-attr]
    answer = httpx.Client(transport=sandbox.transport()).get(
        f"https://start.exactonline.nl/api/v1/{sandbox.division}/sync/SalesOrder/SalesOrders",
        params={"$select": "OrderID,Timestamp"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404


def test_a_first_read_gives_every_order_whole_from_the_two_feeds(
    clock: FakeClock, connect: Callable[..., Any]
) -> None:
    sandbox = make_sandbox(seed=1, clock=clock, orders=40)
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    records = fetch(connection)
    assert len(records) == 40
    assert all(lines(r) == stored(sandbox, r.id) for r in records)
    cursors = [r.cursor or "" for r in records]
    assert all(compare_cursors(a, b) <= 0 for a, b in itertools.pairwise(cursors))
    # deletions, lines, headers, and the ordering accounts (the customers' e-mail) by id
    # for 25 orders a call: 2 calls for 40 orders, none per order.
    assert calls(sandbox) == {"GET": 5}


def test_a_changed_line_gives_its_order_whole_with_every_line(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    first = fetch(connection)
    order = next(r for r in first if len(r.data["SalesOrderLines"]) > 1)
    sandbox.change_line(order.id, 0, Quantity=9)
    sandbox.calls.clear()
    again = fetch(connection, first[-1].cursor)
    assert [r.id for r in again] == [order.id]
    assert lines(again[0]) == stored(sandbox, order.id) and lines(again[0])[0][1] == 9
    assert again[0].data["YourRef"] == order.data["YourRef"]
    # deletions, lines, headers (none), the order's lines and header in bulk, the
    # accounts' keys.
    assert calls(sandbox) == {"GET": 6}
    sandbox.calls.clear()
    assert fetch(connection, again[-1].cursor) == []
    assert calls(sandbox) == {"GET": 3}


def test_a_changed_header_gives_its_order_with_its_unchanged_lines(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    first = fetch(connection)
    header = sandbox.store["SalesOrders"].get(first[1].id)
    assert header is not None
    sandbox.put("SalesOrders", header["OrderID"], {**header, "Description": "Gewijzigd"})
    again = fetch(connection, first[-1].cursor)
    assert [(r.id, r.data["Description"]) for r in again] == [(first[1].id, "Gewijzigd")]
    assert lines(again[0]) == lines(first[1])


def test_a_cursor_of_the_old_feed_stands_for_both_feeds(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    newest = max(int(o["Timestamp"]) for o in sandbox.store["SalesOrders"])
    newest = max(
        [newest]
        + [
            int(line["Timestamp"])
            for o in sandbox.store["SalesOrders"]
            for line in o["SalesOrderLines"]
        ]
    )
    order = sandbox.store["SalesOrders"].all()[0]["OrderID"]
    sandbox.change_line(order, 0, Quantity=5)
    sandbox.calls.clear()
    again = fetch(connection, str(newest))
    assert [r.id for r in again] == [order]
    assert calls(sandbox)["GET"] == 6  # not every order's lines again


def test_an_order_deleted_in_exact_is_a_removed_order(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    first = fetch(connection)
    sandbox.remove("SalesOrders", first[0].id)
    again = fetch(connection, first[-1].cursor)
    assert [(r.id, r.deleted) for r in again] == [(first[0].id, True)]
    assert fetch(connection, again[-1].cursor) == []


def test_a_line_row_with_a_broken_timestamp_makes_its_whole_order_unreadable(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    order = sandbox.store["SalesOrders"].all()[2]
    lines = [{**line, "Timestamp": line["Timestamp"] + 0.5} for line in order["SalesOrderLines"]]
    sandbox.store["SalesOrders"].update(order["OrderID"], {"SalesOrderLines": lines})
    records = fetch(connection)
    broken = [r for r in records if r.error is not None]
    assert [r.id for r in broken] == [order["OrderID"]]
    assert "Timestamp" in broken[0].error.message
    assert len(records) == len(sandbox.store["SalesOrders"])
