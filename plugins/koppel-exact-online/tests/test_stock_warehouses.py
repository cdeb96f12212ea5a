"""Exact stock positions are per item and warehouse: one warehouse never overwrites another.
With the setting ``warehouse`` an item's stock is its position there; without it, the sum
over every warehouse, still right when only one warehouse's position changed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from koppel.http import FakeClock
from koppel.sync import SourceRecord
from koppel_exact_online.plugin import connector
from koppel_exact_online.runs import calls
from koppel_exact_online.sandbox import ExactSandbox


def positions(sandbox: ExactSandbox) -> dict[str, list[dict[str, Any]]]:
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in sandbox.store["StockPositions"].all():
        by_item.setdefault(row["ItemId"], []).append(row)
    return by_item


def fetch(connection: Any, cursor: str | None = None) -> list[SourceRecord]:
    return list(connector.fetch_records(connection, "stock", cursor, {}))


def test_sandbox_holds_items_in_several_warehouses(sandbox: ExactSandbox) -> None:
    counts = [len(rows) for rows in positions(sandbox).values()]
    assert 1 in counts and 2 in counts


def test_without_a_warehouse_an_item_is_its_positions_summed(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock)
    records = fetch(connection)
    expected = {
        item: sum(Decimal(str(r["CurrentStock"])) for r in rows)
        for item, rows in positions(sandbox).items()
    }
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)) == len(expected)  # one record per item, never per position
    assert {r.id: r.data["CurrentStock"] for r in records} == expected
    two = next(r for r in records if r.data["Warehouses"] == 2)
    assert two.data["WarehouseCode"] is None


def test_with_a_warehouse_only_its_positions_are_read(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    shop = sandbox.warehouses[1]
    connection, _ = connect(sandbox, clock, warehouse=shop["ID"].upper())
    records = fetch(connection)
    expected = {
        r["ItemId"]: Decimal(str(r["CurrentStock"]))
        for r in sandbox.store["StockPositions"].all()
        if r["Warehouse"] == shop["ID"]
    }
    assert 0 < len(records) < len(positions(sandbox))
    assert {r.id: r.data["CurrentStock"] for r in records} == expected
    assert {r.data["WarehouseCode"] for r in records} == {"2"}


def test_a_change_in_one_warehouse_gives_the_item_summed_over_all_in_two_calls(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    cursor = fetch(connection)[-1].cursor
    item, rows = next((i, rows) for i, rows in positions(sandbox).items() if len(rows) == 2)
    shop_row = next(r for r in rows if r["Warehouse"] == sandbox.warehouses[1]["ID"])
    main_row = next(r for r in rows if r is not shop_row)
    sandbox.put("StockPositions", shop_row["ID"], {**shop_row, "CurrentStock": 1000})
    sandbox.calls.clear()
    again = fetch(connection, cursor)
    assert [(r.id, r.data["CurrentStock"]) for r in again] == [
        (item, Decimal(1000) + Decimal(str(main_row["CurrentStock"])))
    ]
    # The changes since the cursor, then every position once: never a call per item.
    assert calls(sandbox) == {"GET": 2}
    sandbox.calls.clear()
    assert fetch(connection, again[-1].cursor) == []
    assert calls(sandbox) == {"GET": 1}


def test_a_quantity_that_is_no_number_makes_only_its_item_unreadable(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    row = sandbox.store["StockPositions"].all()[0]
    sandbox.store["StockPositions"].insert({**row, "PlanningOut": "veel"})
    records = fetch(connect(sandbox, clock)[0])
    broken = [r for r in records if r.error is not None]
    assert [r.id for r in broken] == [row["ItemId"]]
    assert "PlanningOut" in broken[0].error.message
    assert len(records) == len(positions(sandbox))
