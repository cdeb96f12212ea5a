"""Flows through the engine: unchanged re-runs cost no writes and only empty Sync API reads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.http import FakeClock
from koppel_exact_online.runs import (
    calls,
    flow_from_exact,
    flow_to_exact,
    manager,
    on_clock,
    open_store,
    run,
    shop_orders,
)
from koppel_exact_online.sandbox import make_sandbox

ACCOUNTS = {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"}


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def test_rerun_of_exact_as_source_reads_only_empty_sync_pages(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=2, clock=clock)
    shop = MemorySystem("shop")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        for entity in ("customers", "products", "orders"):
            first = run(flow_from_exact(entity), store, pm, sandbox)
            assert first.counts["created"] > 0
        sandbox.calls.clear()
        for entity in ("customers", "products", "orders"):
            again = run(flow_from_exact(entity), store, pm, sandbox)
            assert again.counts["created"] == again.counts["updated"] == 0
    syncs = [path for (method, path), n in sandbox.calls.items() if "oauth2" not in path]
    # One call per entity, one more each for the deletion log, one for the products'
    # prices, one for the orders' lines; current/Me was answered in the first run and kept.
    assert calls(sandbox) == {"GET": 8}
    assert sandbox.count("GET", "/api/v1/{division}/{kind}/{service}/{entity}") == 5
    assert syncs and sandbox.writes == 0


def test_changed_record_is_read_again_through_the_sync_api(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=2, clock=clock)
    shop = MemorySystem("shop")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        run(flow_from_exact("customers"), store, pm, sandbox)
        account = sandbox.store["Accounts"].find(Email="klant3@example.nl")[0]
        account["Phone"] = "0201234567"
        sandbox.put("Accounts", account["ID"], account)
        again = run(flow_from_exact("customers"), store, pm, sandbox)
    assert again.counts["updated"] == 1 and again.counts["created"] == 0
    assert [
        r["phone"] for r in shop.rows("customers").values() if r["email"] == "klant3@example.nl"
    ] == ["0201234567"]


def test_orders_as_financial_mutations_balance_and_rerun_writes_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=4, clock=clock, customers=10, products=10)
    shop = shop_orders(30, customers=10, products=10)
    flow = flow_to_exact("orders", "financial_mutation", accounts=ACCOUNTS, journal="90")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        first = run(flow, store, pm, sandbox)
        assert first.counts["created"] == 30, first.counts
        sandbox.calls.clear()
        again = run(flow, store, pm, sandbox)
    assert again.counts == {**again.counts, "created": 0, "updated": 0, "failed": 0}
    assert calls(sandbox) == {}
    entries = sandbox.store["GeneralJournalEntries"].all()
    assert len(entries) == 30
    for entry in entries:
        lines = entry["GeneralJournalEntryLines"]
        assert sum(Decimal(str(x["AmountFC"])) for x in lines) == 0
        assert lines[0]["Description"].startswith("WEB-")  # the reference it is found by
        assert lines[0]["Account"]  # the debtor, resolved from the customer's e-mail


def test_order_with_unknown_product_is_parked_naming_it(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=4, clock=clock, customers=5, products=5)
    shop = shop_orders(3, customers=5, products=5)
    shop.put(
        "orders",
        "bad",
        {
            "number": "WEB-BAD",
            "customer": {"email": "klant1@example.nl", "name": "Klant"},
            "lines": [{"sku": "NOPE-1", "quantity": "1", "unit_price": "5"}],
        },
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow_to_exact("orders", "order"), store, manager(shop), sandbox)
        parked = store.parked()
    assert result.counts["created"] == 3 and result.counts["failed"] == 1
    assert "NOPE-1" in parked[0].message
