"""AFAS as the target of relations, run by core's engine: created once, an unchanged
relation costs no write, a changed one one update, and an ambiguous e-mail is parked."""

from __future__ import annotations

import pytest

from koppel.engine.memory import MemorySystem
from koppel.state import StateStore
from koppel_afas.sandbox import AfasSandbox

from .conftest import run_into_afas

WRITES = (
    ("POST", "/ProfitRestServices/connectors/{id}"),
    ("PUT", "/ProfitRestServices/connectors/{id}"),
)
SHOP = {
    "kind": "debtor",
    "name": "Koffiebar De Wit",
    "company_name": "Koffiebar De Wit",
    "email": "eva@koffiebardewit.example",
    "phone": "073-5550000",
    "address": {
        "street": "Markt",
        "house_number": "5",
        "postcode": "5211 JV",
        "city": "Den Bosch",
        "country": "NL",
    },
}


def flow_run(
    crm: MemorySystem, sandbox: AfasSandbox, store: StateStore, entity: str = "relations"
) -> int:
    """One run from the CRM to AFAS; the writes it cost."""
    before = sum(sandbox.count(*w) for w in WRITES)
    run_into_afas(sandbox, store, crm, {"name": f"crm-{entity}-to-afas", "entity": entity})
    return sum(sandbox.count(*w) for w in WRITES) - before


def test_engine_writes_a_relation_once_and_an_update_when_it_changes(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    crm = MemorySystem("crm")
    crm.put("relations", "c1", SHOP)
    assert flow_run(crm, sandbox, store) == 1
    created = sandbox.store["koppel_debtors"].get("10011")
    assert (created["Name"], created["Email"], created["HouseNumber"]) == (
        "Koffiebar De Wit",
        SHOP["email"],
        5,
    )

    crm.put("relations", "c1", SHOP)  # read again, unchanged
    assert flow_run(crm, sandbox, store) == 0
    crm.put("relations", "c1", {**SHOP, "phone": "073-5551111"})
    assert flow_run(crm, sandbox, store) == 1
    assert sandbox.store["koppel_debtors"].get("10011")["Phone"] == "073-5551111"
    assert len(sandbox.store["koppel_debtors"]) == 11


def test_engine_finds_an_existing_relation_by_email_instead_of_adding_one(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    crm = MemorySystem("crm")
    crm.put(
        "relations",
        "c2",
        {
            "kind": "debtor",
            "company_name": "Bakkerij Van Dam",
            "email": "INFO@bakkerijvandam.nl",
            "phone": "033-1234567",
        },
    )
    assert flow_run(crm, sandbox, store) == 1
    assert len(sandbox.store["koppel_debtors"]) == 10
    assert sandbox.store["koppel_debtors"].get("10002")["Phone"] == "033-1234567"


def test_engine_parks_a_relation_whose_email_several_debtors_share(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    crm = MemorySystem("crm")
    crm.put(
        "relations",
        "c3",
        {"kind": "debtor", "company_name": "De Smaak", "email": "administratie@desmaak.nl"},
    )
    assert flow_run(crm, sandbox, store) == 0
    parked = store.parked("crm-relations-to-afas")
    assert len(parked) == 1
    assert "debtor:10007" in parked[0].message and "debtor:10008" in parked[0].message


RECORDS = {
    "products": {
        "sku": "AV-2001",
        "ean": "8712345020015",
        "name": "Espressokopjes",
        "price_excl_vat": "12.50",
    },
    "orders": {
        "number": "WEB-5001",
        "order_type": "order",
        "order_date": "2024-06-01",
        "customer": {"email": "inkoop@koffiehuisdeboon.nl", "company_name": "Koffiehuis De Boon"},
        "lines": [{"sku": "AV-1003", "quantity": "2", "unit_price": "18.50"}],
    },
    "journal_entries": {
        "number": "MEM-2024-0002",
        "entry_date": "2024-05-31",
        "lines": [
            {"account": "1300", "amount": "121.00"},
            {"account": "8000", "amount": "-100.00"},
            {"account": "1500", "amount": "-21.00"},
        ],
    },
}


@pytest.mark.parametrize("entity", sorted(RECORDS))
def test_engine_writes_each_entity_once_and_not_again(
    sandbox: AfasSandbox, store: StateStore, entity: str
) -> None:
    crm = MemorySystem("crm", entities={entity: ()})
    crm.put(entity, "r1", RECORDS[entity])
    written = flow_run(crm, sandbox, store, entity)
    assert [p.message for p in store.parked(f"crm-{entity}-to-afas")] == []
    assert written == 1
    crm.put(entity, "r1", RECORDS[entity])
    assert flow_run(crm, sandbox, store, entity) == 0
