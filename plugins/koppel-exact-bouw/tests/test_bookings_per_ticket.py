"""One purchase invoice booked on several delivery tickets: one booking per ticket, each
written once, found again by invoice number and ticket (match key ``invoice_number+line``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore, open_state
from koppel_exact_bouw.plugin import connector
from koppel_exact_bouw.sandbox import DEMO_API_KEY, DEMO_APPLICATION, ExactBouwSandbox

DAY = "2026-02-01"


@pytest.fixture
def flow(monkeypatch: pytest.MonkeyPatch) -> Flow:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_BOUW_API_KEY", DEMO_API_KEY)
    return parse_flow(
        {
            "name": "bookings-to-bouw",
            "source": "books",
            "target": "bouw",
            "entity": "commitment_bookings",
            "connections": {
                "books": {"system": "books"},
                "bouw": {
                    "system": "exact-bouw",
                    "settings": {"application": DEMO_APPLICATION, "vat_tariff_id": 11},
                    "credentials": {"api_key": "env:EXACT_BOUW_API_KEY"},
                },
            },
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    store = open_state(str(tmp_path / "state.sqlite3"))
    yield store
    store.close()


def bookings(sandbox: ExactBouwSandbox) -> list[dict[str, Any]]:
    """Invoice F-100 on both tickets of contract 88000, and F-200 on a ticket of each of two
    contracts of one supplier, as core's matcher makes them (id: invoice/commitment/line)."""
    contracts = sandbox.store["contracts"].all()
    tickets = sandbox.store["tickets"].all()
    by_supplier: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for contract in contracts[1:]:
        by_supplier[contract["supplier"]["id"]].append(contract)
    pair = next(found for found in by_supplier.values() if len(found) >= 2)[:2]
    first = sandbox.store["contracts"].get("88000")
    chosen = [
        ("F-100", first, [t for t in tickets if t["contract"]["id"] == 88000]),
        *(("F-200", c, [t for t in tickets if t["contract"]["id"] == c["id"]][-1:]) for c in pair),
    ]
    return [
        {
            "id": f"{number}/{contract['id']}/{ticket['id']}",
            "commitment": str(contract["id"]),
            "line": str(ticket["id"]),
            "invoice_number": number,
            "supplier": str(contract["supplier"]["id"]),
            "delivery_note": ticket["number"],
            "amount": "40.00",
            "handled": False,
            "booked_on": DAY,
        }
        for number, contract, found in chosen
        for ticket in found
    ]


def writes(sandbox: ExactBouwSandbox) -> int:
    return sandbox.count("POST", "/purchase-invoice")


def run(flow: Flow, store: StateStore, books: MemorySystem, sandbox: ExactBouwSandbox) -> Any:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "exact-bouw")
    manager.register(books, "books")
    return run_flow(flow, store, manager=manager, transports={"bouw": sandbox.transport()})


def test_one_invoice_on_two_tickets_lands_once_per_ticket(
    flow: Flow, store: StateStore, sandbox: ExactBouwSandbox, tmp_path: Path
) -> None:
    books = MemorySystem("books", entities={"commitment_bookings": ()})
    wanted = bookings(sandbox)
    assert len(wanted) == 4
    for booking in wanted:
        books.put("commitment_bookings", booking["id"], booking)
    first = run(flow, store, books, sandbox)
    assert first.counts["created"] == 4 and first.counts["failed"] == 0
    assert writes(sandbox) == 4
    invoices = {i["invoiceNumber"]: i for i in sandbox.store["invoices"].all()}
    for number in ("F-100", "F-200"):
        lines = [
            line
            for line in sandbox.store["invoice_lines"].all()
            if line["invoice"] == invoices[number]["id"]
        ]
        booked = sorted(line["deliveryTicket"]["id"] for line in lines)
        assert booked == sorted(int(b["line"]) for b in wanted if b["invoice_number"] == number), (
            f"{number} holds one line per ticket"
        )
    for booking in wanted:
        ticket = sandbox.store["tickets"].get(booking["line"])
        assert (
            ticket["isProcessed"]
            and ticket["purchaseInvoiceInvoiceNumber"] == booking["invoice_number"]
        )
    again = run(flow, store, books, sandbox)
    assert writes(sandbox) == 4 and again.counts["created"] == 0
    # Without the bindings (a crash before they were stored), the match key finds each
    # booking by invoice number and ticket: nothing is written twice, nothing parked.
    fresh = open_state(str(tmp_path / "fresh.sqlite3"))
    try:
        healed = run(flow, fresh, books, sandbox)
    finally:
        fresh.close()
    assert writes(sandbox) == 4
    assert healed.counts["created"] == 0 and healed.counts["failed"] == 0
