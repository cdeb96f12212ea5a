"""What a run costs in AccountView calls when AccountView holds 10,000 more debtors and
articles than the orders need (issue 21): counted by the sandbox, per business object.

A shop (koppel's in-memory system) sends 200 orders of 40 customers (20 of them debtors
in AccountView already, 20 new) over 300 of the 10,012 articles, every fifth shipped to
another address. Then the same orders come again unchanged, then ten new orders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koppel.engine import RunResult, run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.http import MemoryTokenStore
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import attach_sandbox
from koppel.state import StateStore, open_state
from koppel.sync import Connection
from koppel_accountview.demo import FIRST_GENERATED_DEBTOR
from koppel_accountview.sandbox import (
    CLIENT_ID,
    CLIENT_SECRET,
    COMPANY,
    AccountViewSandbox,
    make_sandbox,
)

EXTRA = 10_000
ORDERS, CUSTOMERS, PRODUCTS = 200, 40, 300


def customer(n: int) -> dict[str, Any]:
    """Customer ``n``: the even ones are AccountView's generated debtors, as it has them."""
    if n % 2 == 0:
        number = FIRST_GENERATED_DEBTOR + n
        return {
            "email": f"klant{number}@example.nl",
            "name": f"Klant {number}",
            "billing_address": {
                "street": "Dorpsstraat",
                "house_number": str(n % 200 + 1),
                "postcode": "1234AB",
                "city": "Utrecht",
                "country": "NL",
            },
        }
    return {
        "email": f"nieuw{n}@example.nl",
        "name": f"Nieuwe klant {n}",
        "billing_address": {"street": "Kerkstraat", "house_number": str(n), "country": "NL"},
    }


def put_order(shop: MemorySystem, n: int) -> None:
    person = customer(n % CUSTOMERS)
    data: dict[str, Any] = {
        "number": f"WEB-{n:05d}",
        "order_date": "2024-06-01",
        "status": "paid",
        "customer": {"email": person["email"], "name": person["name"]},
        "billing_address": person["billing_address"],
        "lines": [
            {
                "sku": f"AV-{1013 + (n * 7 + k) % PRODUCTS}",
                "quantity": str(1 + k),
                "unit_price": "9.95",
                "vat_code": "2",
            }
            for k in range(1 + n % 3)
        ],
    }
    if n % 5 == 0:
        data["shipping_address"] = {
            "name": person["name"],
            "street": "Havenweg",
            "house_number": str(n % CUSTOMERS),
            "postcode": "3011AA",
            "city": "Rotterdam",
            "country": "NL",
        }
    shop.put("orders", str(n), data)


def flow() -> Flow:
    return parse_flow(
        {
            "name": "shop-orders-to-accountview",
            "source": "shop",
            "target": "accountview",
            "entity": "orders",
            "order_type": "order",
            "connections": {
                "shop": {"system": "shop"},
                "accountview": {
                    "system": "accountview",
                    "settings": {"company": COMPANY, "client_id": CLIENT_ID},
                    "credentials": {"client_secret": "env:ACCOUNTVIEW_CLIENT_SECRET"},
                },
            },
        }
    )


class Shop:
    """The shop, the sandbox and the state store, run after run."""

    def __init__(self, folder: Path) -> None:
        self.shop = MemorySystem("shop")
        self.sandbox: AccountViewSandbox = make_sandbox(articles=EXTRA + 12, debtors=EXTRA)
        self.store: StateStore = open_state(str(folder / "state.sqlite3"))
        self.tokens = MemoryTokenStore()
        from koppel_accountview.plugin import connector

        self.pm = KoppelPluginManager()
        self.pm.load_builtins()
        self.pm.register(connector, "accountview")
        self.pm.register(self.shop, "shop")

    def run(self) -> tuple[RunResult, Counter[str], Counter[str]]:
        """One run; its result and AccountView's reads and writes by business object."""
        reads, writes = Counter(self.sandbox.reads), Counter(self.sandbox.writes)

        def attach(connection: Connection) -> None:
            if connection.name == "accountview":
                attach_sandbox(connection, self.sandbox)

        result = run_flow(
            flow(), self.store, manager=self.pm, token_store=self.tokens, prepare_connection=attach
        )
        return (
            result,
            self.sandbox.reads - reads,
            self.sandbox.writes - writes,
        )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    opened = Shop(tmp_path_factory.mktemp("cost"))
    yield opened
    opened.store.close()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTVIEW_CLIENT_SECRET", CLIENT_SECRET)


def test_cost_first_sync_reads_the_debtors_once_and_articles_by_key(shop: Shop) -> None:
    for n in range(1, ORDERS + 1):
        put_order(shop.shop, n)
    result, reads, writes = shop.run()
    assert result.counts["created"] == ORDERS and result.counts["failed"] == 0, result
    assert writes["SO1"] == ORDERS
    assert writes["AR1"] == CUSTOMERS // 2  # the new customers; the others are unchanged
    assert writes["ADDR"] == len({n % CUSTOMERS for n in range(5, ORDERS + 1, 5)})
    assert reads["DJ2"] <= ORDERS // 50, "journal pages looked for more than once"
    assert reads["AK1"] <= PRODUCTS // 50 + 2, "articles were not read by key"
    assert reads["ADDR"] == writes["ADDR"], "delivery addresses were read more than once a debtor"
    assert reads["AR1"] == EXTRA // 100 + 1, "the debtors were not read once"


def test_cost_unchanged_rerun_costs_at_most_ten_calls(shop: Shop) -> None:
    for n in range(1, ORDERS + 1):
        put_order(shop.shop, n)  # every order comes again, unchanged
    result, reads, writes = shop.run()
    assert result.counts["created"] == 0 and result.counts["failed"] == 0
    assert sum(writes.values()) == 0
    assert sum(reads.values()) <= 10, reads


def test_cost_a_new_order_costs_one_write_and_at_most_three_reads(shop: Shop) -> None:
    new = range(ORDERS + 1, ORDERS + 11)
    for n in new:
        put_order(shop.shop, n)
    result, reads, writes = shop.run()
    assert result.counts["created"] == len(new) and result.counts["failed"] == 0
    assert sum(writes.values()) == len(new) == writes["SO1"], writes
    assert sum(reads.values()) <= 3 * len(new), reads
    assert reads["AR1"] <= 1 + CUSTOMERS // 100 + 1, "the kept debtors were read again"
    assert reads["DJ2"] == 0, "a sales-order flow looked for journal pages"
