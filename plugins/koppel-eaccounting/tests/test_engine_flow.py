"""An order flow run by core's engine: eAccounting sandbox -> an in-memory ERP, twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import open_state
from koppel_eaccounting.demo import MISSING_SKU
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import make_sandbox

from .conftest import SECRETS


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The app's credentials in the environment (and a secret key); their references."""
    from cryptography.fernet import Fernet

    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    for key, value in SECRETS.items():
        monkeypatch.setenv(f"EA_{key.upper()}", value)
    return {key: f"env:EA_{key.upper()}" for key in SECRETS}


@pytest.mark.parametrize(
    ("filters", "written"),
    [({"status": ["invoiced"]}, 11), ({"paid": True}, 4)],
    ids=["invoiced", "paid"],
)
def test_engine_runs_only_paid_orders_and_parks_the_missing_product(
    tmp_path: Path, credentials: dict[str, str], filters: dict[str, Any], written: int
) -> None:
    # 12 invoiced demo orders, 5 of them paid in full; 1036 (paid) has the missing product
    flow = parse_flow(
        {
            "name": "orders-to-erp",
            "source": "shop",
            "target": "erp",
            "entity": "orders",
            "filters": filters,
            "connections": {
                "shop": {
                    "system": "eaccounting",
                    "credentials": credentials,
                },
                "erp": {"system": "erp"},
            },
        }
    )
    sandbox = make_sandbox(0)
    erp = MemorySystem("erp")
    for number in range(1001, 1013):
        erp.rows("products")[f"p{number}"] = {"sku": f"AV-{number}"}
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "eaccounting")
    manager.register(erp, "erp")
    store = open_state(str(tmp_path / "state.sqlite3"))
    try:
        assert sandbox.oauth is not None
        store.token_store().save("shop", sandbox.oauth.grant())
        transports = {"shop": sandbox.transport()}
        run_flow(flow, store, manager=manager, transports=transports)
        assert len(erp.rows("orders")) == written
        writes = len(erp.writes)
        parked = store.parked(flow.name)
        assert [p.source_id for p in parked] and MISSING_SKU in parked[0].message
        run_flow(flow, store, manager=manager, transports=transports)
        assert len(erp.rows("orders")) == written
        assert len(erp.writes) == writes  # nothing written twice
    finally:
        store.close()


@pytest.mark.parametrize(
    ("stock", "expected"),
    [
        ({"formula": "on_hand - reserved - 2"}, 5.0),
        ({"formula": "on_hand"}, 12.0),
        ({"formula": "on_hand - reserved - 10", "allow_negative": True}, -3.0),
        ({"formula": "on_hand - reserved - 10", "allow_negative": False}, 0.0),
    ],
    ids=["custom-formula", "on-hand", "allow-negative", "no-negative"],
)
def test_engine_stock_writes_the_flows_stock_settings(
    tmp_path: Path, credentials: dict[str, str], stock: dict[str, Any], expected: float
) -> None:
    flow = parse_flow(
        {
            "name": "erp-stock-to-shop",
            "source": "erp",
            "target": "shop",
            "entity": "stock",
            "settings": {"stock": stock},
            "connections": {
                "erp": {"system": "erp"},
                "shop": {
                    "system": "eaccounting",
                    "credentials": credentials,
                },
            },
        }
    )
    sandbox = make_sandbox(0)
    erp = MemorySystem("erp", entities={"stock": ("sku",)})
    erp.put("stock", "AV-1005", {"sku": "AV-1005", "on_hand": "12", "reserved": "5"})
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "eaccounting")
    manager.register(erp, "erp")
    store = open_state(str(tmp_path / "state.sqlite3"))
    try:
        assert sandbox.oauth is not None
        store.token_store().save("shop", sandbox.oauth.grant())
        result = run_flow(flow, store, manager=manager, transports={"shop": sandbox.transport()})
        assert result.counts["updated"] + result.counts["created"] == 1
        (article,) = sandbox.store["articles"].find(Number="AV-1005")
        assert article["StockBalance"] == expected
    finally:
        store.close()


def test_engine_paid_orders_come_once_their_invoice_is_paid(
    tmp_path: Path, credentials: dict[str, str]
) -> None:
    flow = parse_flow(
        {
            "name": "paid-orders-to-erp",
            "source": "shop",
            "target": "erp",
            "entity": "orders",
            "filters": {"paid": True},
            "connections": {
                "shop": {"system": "eaccounting", "credentials": credentials},
                "erp": {"system": "erp"},
            },
        }
    )
    sandbox = make_sandbox(0)
    erp = MemorySystem("erp")
    for number in range(1001, 1013):
        erp.rows("products")[f"p{number}"] = {"sku": f"AV-{number}"}
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "eaccounting")
    manager.register(erp, "erp")
    store = open_state(str(tmp_path / "state.sqlite3"))
    try:
        assert sandbox.oauth is not None
        store.token_store().save("shop", sandbox.oauth.grant())
        transports = {"shop": sandbox.transport()}
        run_flow(flow, store, manager=manager, transports=transports)
        assert len(erp.rows("orders")) == 4
        partly = sandbox.store["customerinvoices"].find(PaymentStatus=1)[0]
        paid = {"RemainingAmount": 0.0, "PaymentStatus": 0, "ModifiedUtc": sandbox.now_text()}
        sandbox.store["customerinvoices"].update(partly["Id"], paid)
        run_flow(flow, store, manager=manager, transports=transports)
        assert len(erp.rows("orders")) == 5
        order = sandbox.store["orders"].get(partly["CreatedFromOrderId"])
        assert str(order["Number"]) in {row.get("number") for row in erp.rows("orders").values()}
    finally:
        store.close()
