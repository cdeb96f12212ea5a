"""Orders read from Exact carry the ordering customer's e-mail address (crm/Accounts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.http import FakeClock
from koppel_exact_online.runs import calls, flow_from_exact, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import make_sandbox


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def test_orders_read_carry_the_customer_email_from_one_accounts_read(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=3, clock=clock, customers=10, products=10)
    accounts = {row["ID"]: row for row in sandbox.store["Accounts"].all()}
    shop = MemorySystem("shop")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(shop)
        run(flow_from_exact("products"), store, pm, sandbox)  # order lines name known products
        sandbox.calls.clear()
        result = run(flow_from_exact("orders"), store, pm, sandbox)
    orders = sandbox.store["SalesOrders"].all()
    assert len(orders) > 1 and result.counts["created"] == len(orders)
    emails = {o["YourRef"]: accounts[o["OrderedBy"]]["Email"] for o in orders}
    read = {row["reference"]: row["customer"] for row in shop.rows("orders").values()}
    assert {ref: customer["email"] for ref, customer in read.items()} == emails
    # The deletions', lines' and headers' sync pages and one read of the ordering accounts
    # by id (current/Me was kept from the products run): no call per order.
    assert calls(sandbox) == {"GET": 4}
