"""Orders booked in AFAS as financial mutations (memoriaalboekingen) at each of core's four
journal levels: balanced, the debtor line on the customer's debtor, posted once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.engine.memory import MemorySystem
from koppel.errors import ValidationError
from koppel.state import StateStore
from koppel.sync import Action, Direction
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox

from .conftest import run_into_afas

ORDER = {
    "number": "WEB-7001",
    "order_type": "financial_mutation",
    "order_date": "2024-06-03",
    "currency": "EUR",
    "customer": {"email": "inkoop@koffiehuisdeboon.nl", "company_name": "Koffiehuis De Boon"},
    "lines": [
        {"sku": "AV-1001", "quantity": "2", "unit_price": "10.00", "vat_rate": "21"},
        {"sku": "AV-1002", "quantity": "1", "unit_price": "5.00", "vat_rate": "9"},
        {"sku": "AV-1003", "quantity": "3", "unit_price": "2.50", "vat_rate": "21"},
    ],
    "costs": [{"kind": "shipping", "amount": "4.95", "vat_rate": "21"}],
    "total_incl_vat": "44.72",
}
ACCOUNTS = {
    "debtor": "1300",
    "revenue": "8000",
    "vat": "1500",
    "rounding": "8990",
    "shipping": "8100",
}


def book(
    sandbox: AfasSandbox, store: StateStore, level: str, order: Any = ORDER, **settings: Any
) -> Any:
    shop = MemorySystem("shop")
    shop.put("orders", "o1", order)
    flow = {
        "name": "shop-orders-to-afas",
        "entity": "orders",
        "order_type": "financial_mutation",
        "settings": {"journal_level": level, "accounts": ACCOUNTS, **settings},
    }
    return run_into_afas(sandbox, store, shop, flow)


def posted(sandbox: AfasSandbox) -> list[dict[str, Any]]:
    """The FiEntries lines of every entry posted so far."""
    return sandbox.store["FiEntries"].all()


@pytest.mark.parametrize(
    ("level", "lines"), [("simple", 2), ("recommended", 5), ("advanced", 6), ("extreme", 7)]
)
def test_order_is_booked_balanced_at_each_journal_level(
    sandbox: AfasSandbox, store: StateStore, level: str, lines: int
) -> None:
    result = book(sandbox, store, level)
    assert [p.message for p in store.parked("shop-orders-to-afas")] == []
    assert result.counts["created"] == 1
    booked = posted(sandbox)
    assert len(booked) == lines
    debit = sum(Decimal(str(line["AmDe"])) for line in booked)
    credit = sum(Decimal(str(line["AmCr"])) for line in booked)
    assert debit == credit == Decimal("44.72")
    debtor = [line for line in booked if line["VaAs"] == "2"]
    assert [(d["AcNr"], d["BpNr"]) for d in debtor] == [("10001", "WEB-7001")]
    entry = sandbox.store["koppel_journal_entries"].get(502)
    assert (entry["Journal"], entry["Year"], entry["Period"]) == ("90", 2024, 6)
    again = book(sandbox, store, level)
    assert again.counts["created"] == 0 and len(posted(sandbox)) == lines  # found by BpNr


def test_order_on_the_default_debtor(sandbox: AfasSandbox, store: StateStore) -> None:
    book(sandbox, store, "simple", default_debtor="10005")
    assert [line["AcNr"] for line in posted(sandbox) if line["VaAs"] == "2"] == ["10005"]


def test_order_whose_totals_differ_is_parked_unposted(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    book(sandbox, store, "recommended", {**ORDER, "total_incl_vat": "60.00"})
    parked = store.parked("shop-orders-to-afas")
    assert len(parked) == 1 and "total" in parked[0].message
    assert posted(sandbox) == []


def test_a_financial_mutation_order_needs_a_booking_flow(connection: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        connector.map_record(
            connection=connection,
            entity="orders",
            direction=Direction.OUTBOUND,
            data=ORDER,
            mapping=None,
            action=Action.CREATE,
            existing=None,
        )
    assert refused.value.context["field"] == "order_type"
