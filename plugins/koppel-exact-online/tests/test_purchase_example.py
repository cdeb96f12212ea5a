"""examples/purchase-booking-exact-purchase-entries.toml: core's bookings made as purchase
invoices go to the Exact Online sandbox as purchase entries, each once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.engine import run_flow
from koppel.flows import load_flow
from koppel.http import FakeClock
from koppel.plugins import get_plugin_manager
from koppel.records import Creditor, PurchaseInvoice, PurchaseInvoiceLine, unstructure
from koppel.state import BookingForm, open_state
from koppel.sync import Connection
from koppel_exact_online.runs import on_clock
from koppel_exact_online.sandbox import make_sandbox

EXAMPLE = Path(__file__).parents[3] / "examples" / "purchase-booking-exact-purchase-entries.toml"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def booked(number: str, supplier: str, *lines: tuple[str, str]) -> PurchaseInvoice:
    rows = tuple(
        PurchaseInvoiceLine(
            description=f"regel {n}",
            gl_account=account,
            amount=Decimal(amount),
            vat_rate=Decimal(21),
            vat_amount=(Decimal(amount) * Decimal("0.21")).quantize(Decimal("0.01")),
        )
        for n, (account, amount) in enumerate(lines, start=1)
    )
    excl = sum((line.amount for line in rows), Decimal(0))
    vat = sum((line.vat_amount or Decimal(0) for line in rows), Decimal(0))
    return PurchaseInvoice(
        id=f"{supplier}/{number}",
        administration="acme",
        number=number,
        supplier=Creditor(name=f"Leverancier {supplier}", number=supplier),
        lines=rows,
        total_excl_vat=excl,
        total_vat=vat,
        total_incl_vat=excl + vat,
    )


def test_example_exports_bookings_as_purchase_entries_once(tmp_path: Path) -> None:
    flow = load_flow(EXAMPLE)
    clock = FakeClock()
    exact = make_sandbox(seed=2, clock=clock, customers=3, products=3, orders=0)
    invoices = [
        booked("F-10", "9001", ("4000", "250.00")),
        booked("F-11", "9002", ("4000", "40.00"), ("7000", "60.00")),
    ]
    with on_clock(clock), open_state(str(tmp_path / "state.sqlite3")) as store:
        for invoice in invoices:
            store.save_booking(
                str(invoice.id),
                administration="acme",
                entry={},
                commitment_bookings=[],
                lowered=[],
                invoice_record=unstructure(invoice),
                form=BookingForm.PURCHASE_INVOICE,
            )
        assert exact.oauth is not None
        store.token_store().save("exact", exact.oauth.grant())

        def on_sandbox(connection: Connection) -> None:
            if connection.name == "exact":
                connection.clock = clock

        pm = get_plugin_manager()
        transports = {"exact": exact.transport()}
        first = run_flow(
            flow, store, manager=pm, transports=transports, prepare_connection=on_sandbox
        )
        assert first.counts["created"] == 2, [p.message for p in store.parked()]
        again = run_flow(
            flow, store, manager=pm, transports=transports, prepare_connection=on_sandbox
        )
    assert again.counts["created"] == 0 and again.counts["failed"] == 0
    entries = {e["YourRef"]: e for e in exact.store["PurchaseEntries"].all()}
    assert set(entries) == {"F-10", "F-11"}
    assert {e["Journal"] for e in entries.values()} == {"60"}
    amounts = [Decimal(str(x["AmountFC"])) for x in entries["F-11"]["PurchaseEntryLines"]]
    assert amounts == [Decimal("40.00"), Decimal("60.00")]
