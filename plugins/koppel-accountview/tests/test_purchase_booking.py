"""A purchase booking (core's ``booking`` system: :func:`koppel.purchase.ledger.journal_entry`)
written to AccountView as a journal page whose credit line carries the creditor (issue 18).

AccountView's DJ_LINE has the ledger account in ``ACCT_NR`` and the debtor or creditor
in ``SUB_NR``; the sandbox refuses a line on the creditors' collective account (1600)
without a creditor, and a ``SUB_NR`` that is no relation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError, ValidationError
from koppel.flows import parse_flow
from koppel.http import MemoryTokenStore
from koppel.mapping import compile_mapping
from koppel.plugins import KoppelPluginManager
from koppel.purchase.ledger import LedgerSettings, journal_entry
from koppel.records import (
    Creditor,
    JournalEntry,
    JournalLineKind,
    PurchaseInvoice,
    PurchaseInvoiceLine,
    unstructure,
)
from koppel.sandbox import attach_sandbox
from koppel.state import open_state
from koppel.sync import Action, Connection
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.plugin import connector
from koppel_accountview.sandbox import make_sandbox
from koppel_accountview.schema import JOURNAL_PAGES

from .conftest import SECRETS, SETTINGS

LEDGER = LedgerSettings(creditor_account="1600", vat_accounts={"21": "1520"}, journal="IK")


def invoice(supplier: Creditor, number: str = "F-2024-118") -> PurchaseInvoice:
    return PurchaseInvoice(
        id=f"ubl:{number}",
        number=number,
        supplier=supplier,
        issue_date=date(2024, 6, 3),
        lines=(
            PurchaseInvoiceLine(
                description="Koffiebonen",
                gl_account="7000",
                amount=Decimal("100.00"),
                vat_code="21",
                vat_rate=Decimal(21),
                vat_amount=Decimal("21.00"),
            ),
        ),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
    )


def book(connection: Connection, supplier: Creditor, number: str = "F-2024-118") -> Any:
    """The booking's journal entry, as the booking system reads it out, through the
    plugin's mapping to AccountView."""
    return write(connection, journal_entry(invoice(supplier, number), LEDGER))


def write(connection: Connection, booking: JournalEntry) -> Any:
    """``booking`` through the plugin's mapping to AccountView."""
    entry = unstructure(booking)
    spec = connector.default_mapping(
        connection=connection, entity="journal_entries", direction="outbound"
    )
    mapping = compile_mapping(spec, name="journal_entries", functions=FUNCTIONS)
    payload = mapping.apply(entry, action=Action.CREATE)
    return connector.upsert(
        connection=connection,
        entity="journal_entries",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )


def lines_by_account(sandbox: Any, page: str) -> dict[str, dict[str, Any]]:
    return {line["ACCT_NR"]: line for line in sandbox.lines_of("DJ_LINE", page)}


def test_booking_credits_the_creditors_account_with_the_creditor_on_its_line(
    connection: Connection, sandbox: Any
) -> None:
    result = book(connection, Creditor(name="Koffiebranderij Zuid BV", number="70001"))
    lines = lines_by_account(sandbox, result.target_id)
    assert lines["1600"]["SUB_NR"] == "70001"
    assert Decimal(str(lines["1600"]["AMOUNT"])) == Decimal("-121.00")
    assert lines["7000"].get("SUB_NR") is None and lines["1520"].get("SUB_NR") is None
    assert lines["7000"]["TRN_DESC"] == "Koffiebranderij Zuid BV: invoice F-2024-"  # 40
    page = sandbox.store["DJ_PAGE"].get(result.target_id)
    assert page["SUB_NR"] == "70001" and page["DJ_CODE"] == "IK"
    assert page["INV_NR"] == "F-2024-118"


def test_booking_finds_the_creditor_by_vat_number_when_the_invoice_names_no_number(
    connection: Connection, sandbox: Any
) -> None:
    supplier = Creditor(name="Verpakkingen Oost", vat_number="NL001234560B01")
    result = book(connection, supplier)
    assert lines_by_account(sandbox, result.target_id)["1600"]["SUB_NR"] == "70002"


def test_only_the_creditor_line_is_looked_up_among_the_creditors(
    connection: Connection, sandbox: Any
) -> None:
    """A relation on a line of another kind goes as it is (here a debtor's number on the
    expense line); a debtor's number on the creditor line is refused before anything is
    written, naming the relation."""
    supplier = Creditor(name="Verpakkingen Oost", vat_number="NL001234560B01")
    entry = journal_entry(invoice(supplier, "F-7"), LEDGER)
    creditor, expense, vat = entry.lines
    assert creditor.kind is JournalLineKind.CREDITOR and expense.kind is JournalLineKind.OTHER
    mixed = attrs.evolve(entry, lines=(creditor, attrs.evolve(expense, relation="10001"), vat))
    lines = lines_by_account(sandbox, write(connection, mixed).target_id)
    assert (lines["1600"]["SUB_NR"], lines["7000"]["SUB_NR"]) == ("70002", "10001")
    debtor = attrs.evolve(
        entry, number="F-8", lines=(attrs.evolve(creditor, relation="10001"), expense, vat)
    )
    with pytest.raises(ValidationError, match="AccountView has no creditor numbered 10001"):
        write(connection, debtor)
    assert len(sandbox.store["DJ_PAGE"].all()) == 1


def test_booking_of_a_supplier_accountview_does_not_know_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    supplier = Creditor(name="Onbekend BV", number="K-991")
    with pytest.raises(ValidationError, match="AccountView has no creditor numbered K-991"):
        book(connection, supplier)
    assert not sandbox.store["DJ_PAGE"].all()


def test_sandbox_refuses_a_creditors_line_without_or_with_a_wrong_relation(
    connection: Connection, sandbox: Any
) -> None:
    client = connector.session(connection).client
    header = {"DJ_CODE": "IK", "INV_NR": "F-1", "HDR_DESC": "inkoop"}

    def lines(relation: str | None) -> list[dict[str, Any]]:
        credit = {"ACCT_NR": "1600", "AMOUNT": Decimal("-10.00"), "SUB_NR": relation}
        return [{k: v for k, v in credit.items() if v}, {"ACCT_NR": "7000", "AMOUNT": 10}]

    with pytest.raises(RejectedError, match=r"rekening 1600 is een verzamelrekening; SUB_NR"):
        client.write(JOURNAL_PAGES, header, lines(None))
    with pytest.raises(RejectedError, match="10001 is geen crediteur"):
        client.write(JOURNAL_PAGES, header, lines("10001"))  # a debtor
    with pytest.raises(RejectedError, match="debiteur/crediteur 99999 bestaat niet"):
        client.write(JOURNAL_PAGES, header, lines("99999"))
    assert not sandbox.store["DJ_PAGE"].all()


def test_bookings_flow_writes_each_booking_once_with_its_creditor(tmp_path: Any) -> None:
    """The booking system's journal entries through the engine (a memory system stands in
    for it): one page per booking, none again on the next run."""
    books = MemorySystem("books", entities={"journal_entries": ("number",)})
    suppliers = [Creditor(name="Koffiebranderij Zuid BV", number="70001")]
    suppliers.append(Creditor(name="Verpakkingen Oost", vat_number="NL001234560B01"))
    for n, supplier in enumerate(suppliers, start=1):
        entry = unstructure(journal_entry(invoice(supplier, f"F-{n}"), LEDGER))
        books.put("journal_entries", str(n), {**entry, "id": str(n)})
    sandbox = make_sandbox(creditors=True)
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(connector, "accountview")
    pm.register(books, "books")
    flow = parse_flow(
        {
            "name": "bookings-to-accountview",
            "source": "books",
            "target": "av",
            "entity": "journal_entries",
            "connections": {
                "books": {"system": "books"},
                "av": {"system": "accountview", "settings": SETTINGS, "credentials": SECRETS},
            },
        }
    )
    tokens = MemoryTokenStore()

    def attach(connection: Connection) -> None:
        if connection.name == "av":
            attach_sandbox(connection, sandbox)

    with open_state(tmp_path / "state.sqlite3") as store:
        first = run_flow(flow, store, manager=pm, token_store=tokens, prepare_connection=attach)
        assert first.counts["created"] == 2 and first.counts["failed"] == 0
        again = run_flow(flow, store, manager=pm, token_store=tokens, prepare_connection=attach)
        assert again.counts["created"] == 0 and again.counts["failed"] == 0
    pages = sandbox.store["DJ_PAGE"].all()
    assert sorted((page["INV_NR"], page["SUB_NR"]) for page in pages) == [
        ("F-1", "70001"),
        ("F-2", "70002"),
    ]
