"""What a run costs with 10,000 extra customers and articles in the company: lookups read
by key, reference lists kept between runs (issue "Cost"). Measured in sandbox calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.http import FakeClock
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore, open_state
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import EAccountingSandbox, make_sandbox

from .conftest import SECRETS

EXTRA = 10_000
NEW = 10


@pytest.fixture
def big() -> EAccountingSandbox:
    """The demo company with ``EXTRA`` more customers and articles, changed long ago."""
    sandbox = make_sandbox(0, clock=FakeClock(), per_minute=None)
    customers, articles = sandbox.store["customers"], sandbox.store["articles"]
    customer, article = customers.all()[0], articles.all()[0]
    for n in range(EXTRA):
        customers.insert(
            {
                **customer,
                "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"customer/{n}")),
                "CustomerNumber": str(20000 + n),
                "EmailAddress": f"klant{n}@voorbeeld.nl",
                "ChangedUtc": "2020-01-01T00:00:00.000Z",
            }
        )
        articles.insert(
            {
                **article,
                "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"article/{n}")),
                "Number": f"X-{n:05d}",
                "Barcodes": [],
                "ChangedUtc": "2020-01-01T00:00:00.000Z",
            }
        )
    return sandbox


@pytest.fixture
def store(
    tmp_path: Path, big: EAccountingSandbox, credentials: dict[str, str]
) -> Iterator[StateStore]:
    store = open_state(str(tmp_path / "state.sqlite3"))
    assert big.oauth is not None
    store.token_store().save("shop", big.oauth.grant())
    yield store
    store.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    for key, value in SECRETS.items():
        monkeypatch.setenv(f"EA_{key.upper()}", value)
    return {key: f"env:EA_{key.upper()}" for key in SECRETS}


def flow(credentials: dict[str, str], *, source: str, target: str) -> Flow:
    shop = {"system": "eaccounting", "credentials": credentials}
    return parse_flow(
        {
            "name": f"orders-{source}-{target}",
            "source": source,
            "target": target,
            "entity": "orders",
            "connections": {
                "shop": shop,
                "erp": {"system": "erp"},
            },
        }
    )


def run(the_flow: Flow, store: StateStore, erp: MemorySystem, big: EAccountingSandbox) -> Any:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "eaccounting")
    manager.register(erp, "erp")
    return run_flow(the_flow, store, manager=manager, transports={"shop": big.transport()})


def calls(big: EAccountingSandbox) -> tuple[int, int]:
    """(reads, writes) the sandbox answered so far."""
    total = big.calls.total()
    writes = sum(n for (method, _), n in big.calls.items() if method != "GET")
    return total - writes, writes


def test_orders_read_from_eaccounting_cost_what_changed(
    big: EAccountingSandbox, store: StateStore, credentials: dict[str, str]
) -> None:
    reading = flow(credentials, source="shop", target="erp")
    erp = MemorySystem("erp")
    for number in range(1001, 1013):  # the ERP has the articles the orders name
        erp.rows("products")[f"p{number}"] = {"sku": f"AV-{number}"}
    first = run(reading, store, erp, big)
    assert first.fetched == 36
    before = calls(big)
    run(reading, store, erp, big)
    reads, writes = (a - b for a, b in zip(calls(big), before, strict=True))
    assert writes == 0 and reads <= 10, f"an unchanged re-run cost {reads} calls"
    orders = big.store["orders"]
    template = orders.all()[0]
    for n in range(NEW):
        orders.insert(
            {
                **template,
                "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"order/{n}")),
                "Number": 5000 + n,
                "ModifiedUtc": f"2030-01-01T00:00:{n:02d}.000Z",
            }
        )
    before = calls(big)
    third = run(reading, store, erp, big)
    reads, writes = (a - b for a, b in zip(calls(big), before, strict=True))
    assert third.counts["created"] == NEW
    assert writes == 0 and reads / NEW <= 3, f"{reads} reads for {NEW} new orders"


def order(number: str, email: str, sku: str) -> dict[str, Any]:
    return {
        "number": number,
        "order_type": "order",
        "order_date": "2024-06-01",
        "currency": "EUR",
        "customer": {"email": email, "company_name": "Klant"},
        "lines": [{"sku": sku, "quantity": "2", "unit_price": "18.50"}],
    }


def test_orders_written_to_eaccounting_cost_a_write_and_few_reads(
    big: EAccountingSandbox, store: StateStore, credentials: dict[str, str]
) -> None:
    writing = flow(credentials, source="erp", target="shop")
    erp = MemorySystem("erp")
    emails = ["inkoop@koffiehuisdeboon.nl", "pieter@hethoekje.nl", "luc@cafebrussel.be"]
    for n in range(NEW):
        erp.put("orders", f"W-{n}", order(f"W-{n}", emails[n % 3], f"AV-{1001 + n % 5}"))
    first = run(writing, store, erp, big)
    assert first.counts["created"] == NEW and first.counts["failed"] == 0
    before = calls(big)
    run(writing, store, erp, big)
    reads, writes = (a - b for a, b in zip(calls(big), before, strict=True))
    assert writes == 0 and reads <= 10, f"an unchanged re-run cost {reads} calls"
    for n in range(NEW, 2 * NEW):
        erp.put("orders", f"W-{n}", order(f"W-{n}", emails[n % 3], f"AV-{1001 + n % 5}"))
    before = calls(big)
    third = run(writing, store, erp, big)
    reads, writes = (a - b for a, b in zip(calls(big), before, strict=True))
    assert third.counts["created"] == NEW
    assert writes == NEW, "one write per new order"
    assert reads / NEW <= 3, f"{reads} reads for {NEW} new orders"


def test_reference_lists_are_kept_between_runs_and_read_again_for_an_unknown_name(
    big: EAccountingSandbox, store: StateStore, credentials: dict[str, str]
) -> None:
    writing = flow(credentials, source="erp", target="shop")
    erp = MemorySystem("erp")
    erp.put("orders", "W-1", order("W-1", "pieter@hethoekje.nl", "AV-1002"))
    run(writing, store, erp, big)
    asked = big.count("GET", "/v2/companysettings")
    erp.put("orders", "W-2", order("W-2", "pieter@hethoekje.nl", "AV-1003"))
    run(writing, store, erp, big)
    assert big.count("GET", "/v2/companysettings") == asked == 1  # kept in the state store
