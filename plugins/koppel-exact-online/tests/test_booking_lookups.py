"""The flow's ``[lookups.vat_codes]`` and ``[lookups.revenue_accounts]`` reach Exact's
financial mutations and sales entries, as they reach AccountView's journal pages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.flows import parse_flow
from koppel.http import FakeClock
from koppel_exact_online.runs import CREDENTIALS, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

ACCOUNTS = {
    "debtor": "1300",
    "revenue": "8000",
    "vat": "1500",
    "rounding": "8990",
    "vat_by_code": {"1": "1510"},
}


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def shop(*orders: dict[str, Any]) -> MemorySystem:
    system = MemorySystem("shop")
    for n, order in enumerate(orders, start=1):
        system.put(
            "orders",
            str(n),
            {
                "order_date": "2024-05-01",
                "customer": {"email": "klant1@example.nl", "name": "Klant"},
                **order,
            },
        )
    return system


def line(price: str, rate: str) -> dict[str, str]:
    return {"description": f"{rate}%", "quantity": "1", "unit_price": price, "vat_rate": rate}


DUTCH = {"number": "NL-1", "lines": [line("10.00", "21"), line("10.00", "9")]}
BELGIAN = {
    "number": "BE-1",
    "shipping_address": {"country": "BE", "city": "Gent"},
    "lines": [line("10.00", "21")],
}


def write(
    tmp_path: Path, order_type: str, lookups: dict[str, Any], *orders: dict[str, Any]
) -> ExactSandbox:
    """Run the shop's ``orders`` to a fresh sandbox as ``order_type`` with ``lookups``."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=4, clock=clock, customers=5, products=5)
    flow = parse_flow(
        {
            "name": "shop-orders-to-exact",
            "source": "shop",
            "target": "exact",
            "entity": "orders",
            "order_type": order_type,
            "connections": {
                "shop": {"system": "shop"},
                "exact": {"system": "exact-online", "credentials": CREDENTIALS},
            },
            "settings": {"concurrency": 1, "accounts": ACCOUNTS, "journal": "90"},
            "lookups": lookups,
        }
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow, store, manager(shop(*orders)), sandbox)
    assert result.counts["created"] == len(orders), result.counts
    return sandbox


def code(sandbox: ExactSandbox, guid: str) -> str:
    """The code of the GL account ``guid``."""
    return str(sandbox.store["GLAccounts"].find(ID=guid)[0]["Code"])


def booked(sandbox: ExactSandbox, entity_set: str, lines: str) -> dict[str, list[Any]]:
    """Per entry (by the first line's or the header's reference), its lines as
    (GL account code, amount, VAT code)."""
    out: dict[str, list[Any]] = {}
    for entry in sandbox.store[entity_set].all():
        rows = entry[lines]
        reference = entry.get("YourRef") or rows[0]["Description"]
        out[str(reference)] = sorted(
            (code(sandbox, x["GLAccount"]), Decimal(str(x["AmountFC"])), x.get("VATCode"))
            for x in rows
        )
    return out


def test_booking_lookups_financial_mutation_books_9_percent_vat_on_its_code_account(
    tmp_path: Path,
) -> None:
    lookups = {"vat_codes": {"NL:21": "2", "NL:9": "1"}}
    sandbox = write(tmp_path, "financial_mutation", lookups, DUTCH)
    lines = booked(sandbox, "GeneralJournalEntries", "GeneralJournalEntryLines")["NL-1"]
    amounts = [(account, amount) for account, amount, _ in lines]
    assert ("1510", Decimal("-0.90")) in amounts  # 9% VAT on the account of code 1
    assert ("1500", Decimal("-2.10")) in amounts


def test_booking_lookups_financial_mutation_books_revenue_by_country(tmp_path: Path) -> None:
    lookups = {"revenue_accounts": {"NL": "8000", "BE": "8020"}}
    sandbox = write(tmp_path, "financial_mutation", lookups, DUTCH, BELGIAN)
    entries = booked(sandbox, "GeneralJournalEntries", "GeneralJournalEntryLines")
    revenue = {
        ref: [a for a, amount, _ in lines if a.startswith("80")] for ref, lines in entries.items()
    }
    assert revenue == {"NL-1": ["8000", "8000"], "BE-1": ["8020"]}


def test_booking_lookups_sales_entry_lines_get_vat_code_and_its_revenue_account(
    tmp_path: Path,
) -> None:
    lookups = {"vat_codes": {"NL:21": "2", "NL:9": "1"}}
    sandbox = write(tmp_path, "sales_invoice", lookups, DUTCH)
    lines = booked(sandbox, "SalesEntries", "SalesEntryLines")["NL-1"]
    assert lines == [("8000", Decimal("10.00"), "2"), ("8010", Decimal("10.00"), "1")]


def test_booking_lookups_sales_entry_books_revenue_by_country(tmp_path: Path) -> None:
    lookups = {
        "vat_codes": {"NL:21": "2", "NL:9": "1", "BE:21": "5"},
        "revenue_accounts": {"NL": "8000", "BE": "8020"},
    }
    sandbox = write(tmp_path, "sales_invoice", lookups, DUTCH, BELGIAN)
    entries = booked(sandbox, "SalesEntries", "SalesEntryLines")
    assert entries == {
        "NL-1": [("8000", Decimal("10.00"), "1"), ("8000", Decimal("10.00"), "2")],
        "BE-1": [("8020", Decimal("10.00"), "5")],
    }
