"""What a run costs grows with what changed, not with what exists (issue 21), counted by
the sandbox: facts kept between runs (division, GL accounts, the default debtor), master
data read by key when few values are needed and kept, a refused write re-reading the ids
it used."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.http import FakeClock
from koppel_exact_online.index import FRESH_FOR
from koppel_exact_online.odata import pad_code
from koppel_exact_online.runs import flow_to_exact, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

ACCOUNTS = {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"}


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def order(n: int, *, customer: int, products: tuple[int, ...]) -> dict[str, Any]:
    """A shop order ``WEB-n`` of customer ``klant<customer>`` for items ``ART-<p>``."""
    return {
        "number": f"WEB-{n:05d}",
        "order_date": "2024-05-01",
        "status": "paid",
        "customer": {"email": f"klant{customer}@example.nl", "name": "Klant"},
        "lines": [
            {"sku": f"ART-{p:04d}", "quantity": "1", "unit_price": "9.95", "vat_rate": "21"}
            for p in products
        ],
    }


def shop(first: int, last: int) -> MemorySystem:
    system = MemorySystem("shop")
    add(system, first, last)
    return system


def add(system: MemorySystem, first: int, last: int) -> None:
    """Orders ``first``..``last`` over 20 customers and 20 items."""
    for n in range(first, last + 1):
        items = tuple(1 + (n * 7 + k) % 20 for k in range(1 + n % 3))
        system.put("orders", str(n), order(n, customer=1 + n % 20, products=items))


def kinds(sandbox: ExactSandbox) -> Counter[str]:
    """The sandbox's calls by method and entity set (``GET Accounts``)."""
    return Counter({f"{method} {name}": n for (method, name), n in sandbox.served.items()})


def fixed(calls: Counter[str]) -> dict[str, int]:
    """The calls that read no record of the run: division, accounts, items, GL accounts."""
    names = ("Me", "Accounts", "Items", "GLAccounts")
    return {k: n for k, n in calls.items() if k.split(" ")[1] in names}


def test_cost_financial_mutations_spend_no_fixed_calls_after_the_first_run(
    tmp_path: Path,
) -> None:
    """A default debtor, GL accounts and the division are asked once, then kept: a later
    run reads only whether its new orders exist, and writes them."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=5, clock=clock, customers=20, products=20)
    source = shop(1, 30)
    flow = flow_to_exact(
        "orders", "financial_mutation", accounts=ACCOUNTS, journal="90", default_debtor="1"
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        first = run(flow, store, pm, sandbox)
        assert first.counts["created"] == 30, store.parked()[:2]
        assert fixed(kinds(sandbox))  # the first run asked for them
        for last in (30, 35, 40):  # three schedules later, each with 5 new orders
            sandbox.served.clear()
            add(source, last + 1, last + 5)
            again = run(flow, store, pm, sandbox)
            assert again.counts["created"] == 5, again.counts
            calls = kinds(sandbox)
            assert fixed(calls) == {}
            assert calls == {
                "GET GeneralJournalEntryLines": 1,  # do the 5 exist already? one call
                "POST GeneralJournalEntries": 5,
            }
    debtor = sandbox.store["Accounts"].find(Code=pad_code("1"))[0]["ID"]
    entries = sandbox.store["GeneralJournalEntries"].all()
    assert len(entries) == 45
    assert {e["GeneralJournalEntryLines"][0]["Account"] for e in entries} == {debtor}


def test_cost_with_10000_customers_and_articles_a_rerun_and_a_new_order_stay_cheap(
    tmp_path: Path,
) -> None:
    """10,000 extra customers and articles: an unchanged re-run costs no call, and new
    orders cost one write each and at most 3 reads on average."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=10_000, products=10_000, orders=0)
    source = shop(1, 40)
    flow = flow_to_exact("orders", "order")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        first = run(flow, store, pm, sandbox)
        assert first.counts["created"] == 40, store.parked()[:2]
        sandbox.served.clear()
        unchanged = run(flow, store, pm, sandbox)
        assert unchanged.counts["created"] == unchanged.counts["updated"] == 0
        assert kinds(sandbox) == Counter()  # the goal is at most 10
        for last, new in ((40, 1), (41, 4)):
            sandbox.served.clear()
            add(source, last + 1, last + new)
            result = run(flow, store, pm, sandbox)
            assert result.counts["created"] == new, result.counts
            calls = kinds(sandbox)
            writes = sum(n for k, n in calls.items() if not k.startswith("GET"))
            reads = sum(n for k, n in calls.items() if k.startswith("GET"))
            assert writes == new and reads <= 3 * new, calls
            assert fixed(calls) == {}  # customers and items known from the first run
    assert len(sandbox.store["SalesOrders"].all()) == 45


def test_cost_few_keys_are_read_by_key_not_the_whole_index(tmp_path: Path) -> None:
    """A first run of 3 orders against 10,000 customers and articles reads the customers'
    e-mail index whole (addresses are spelled in several ways) but the items by code."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=10_000, products=10_000, orders=0)
    flow = flow_to_exact("orders", "order")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow, store, manager(shop(1, 3)), sandbox)
    assert result.counts["created"] == 3
    calls = kinds(sandbox)
    assert calls["GET Items"] == 1  # the 4 codes of 3 orders in one filtered read
    assert calls["GET Accounts"] == 11  # sync/CRM/Accounts: 10,004 rows, 1,000 a page


def test_cost_kept_facts_are_refreshed_after_a_day(tmp_path: Path) -> None:
    """Past FRESH_FOR a run asks again: the accounts' changes since the kept Timestamp (one
    Sync API call), the items by code, the GL accounts' changes; a new account made in Exact
    in between is found."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=5, clock=clock, customers=20, products=20)
    source = shop(1, 10)
    flow = flow_to_exact("orders", "order")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        assert run(flow, store, pm, sandbox).counts["created"] == 10
        newcomer = {"ID": sandbox.new_id(), "Code": pad_code("900"), "Name": "Nieuw BV"}
        sandbox.put("Accounts", newcomer["ID"], {**newcomer, "Email": "nieuw@example.nl"})
        clock.advance(FRESH_FOR.total_seconds() + 60)
        sandbox.served.clear()
        customer = {"email": "nieuw@example.nl", "name": "Nieuw"}
        source.put("orders", "new", {**order(99, customer=1, products=(1,)), "customer": customer})
        result = run(flow, store, pm, sandbox)
        calls = kinds(sandbox)
        sandbox.served.clear()
        # The next schedule trusts what was just refreshed: item ART-0001 and any customer.
        for n in (100, 101):
            source.put("orders", str(n), order(n, customer=1 + n % 20, products=(1,)))
        assert run(flow, store, pm, sandbox).counts["created"] == 2
        assert fixed(kinds(sandbox)) == {}
    assert result.counts["created"] == 1, result.counts
    assert calls["GET Accounts"] == 1  # sync/CRM/Accounts since the kept Timestamp
    assert calls["GET Items"] == 1  # the item by code again
    assert "GET Me" not in calls  # the division is kept for a week
    placed = [o for o in sandbox.store["SalesOrders"].all() if o["YourRef"] == "WEB-00099"]
    assert placed[0]["OrderedBy"] == newcomer["ID"]


def test_cost_a_write_refused_for_a_kept_id_that_is_gone_reads_it_again_and_succeeds(
    tmp_path: Path,
) -> None:
    """The default debtor is deleted in Exact and made again under its code (a new id): the
    kept id is refused once, the code is read again, and the entry is booked on the new id."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=5, clock=clock, customers=20, products=20)
    source = shop(1, 3)
    flow = flow_to_exact(
        "orders", "financial_mutation", accounts=ACCOUNTS, journal="90", default_debtor="7"
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        assert run(flow, store, pm, sandbox).counts["created"] == 3
        old = sandbox.store["Accounts"].find(Code=pad_code("7"))[0]
        sandbox.remove("Accounts", old["ID"])
        again = {**old, "ID": sandbox.new_id()}
        sandbox.put("Accounts", again["ID"], again)
        add(source, 4, 4)
        sandbox.served.clear()
        result = run(flow, store, pm, sandbox)
        assert result.counts["created"] == 1, store.parked()[:1]
    calls = kinds(sandbox)
    assert calls["POST GeneralJournalEntries"] == 2  # refused once, then booked
    assert calls["GET Accounts"] == 1  # the debtor's code read again
    booked = [e for e in sandbox.store["GeneralJournalEntries"].all()]
    assert booked[-1]["GeneralJournalEntryLines"][0]["Account"] == again["ID"]
    amounts = [Decimal(str(x["AmountFC"])) for x in booked[-1]["GeneralJournalEntryLines"]]
    assert sum(amounts) == 0


def test_cost_a_changed_price_reads_that_items_prices_not_every_price(tmp_path: Path) -> None:
    """Products to Exact with 10,000 items: one changed price reads that item's prices
    (one call), not every usual price of the company."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=6, clock=clock, customers=5, products=10_000, orders=0)
    source = MemorySystem("shop")
    for n in (1, 2, 3):
        product = {"sku": f"ART-{n:04d}", "name": f"Artikel {n}", "price_excl_vat": "12.50"}
        source.put("products", str(n), product)
    flow = flow_to_exact("products")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        assert run(flow, store, pm, sandbox).counts["updated"] == 3
        sandbox.served.clear()
        changed = {"sku": "ART-0002", "name": "Artikel 2", "price_excl_vat": "13.50"}
        source.put("products", "2", changed)
        assert run(flow, store, pm, sandbox).counts["updated"] == 1
    assert kinds(sandbox) == {
        "GET SalesItemPrices": 1,  # bulk/Logistics/SalesItemPrices of ART-0002 only
        "PUT SalesItemPrices": 1,
        "PUT Items": 1,
    }
    item = sandbox.store["Items"].find(Code="ART-0002")[0]["ID"]
    prices = [p for p in sandbox.store["SalesItemPrices"] if p["Item"] == item and not p["Account"]]
    assert Decimal("13.50") in [Decimal(str(p["Price"])) for p in prices]
