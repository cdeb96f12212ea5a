"""Purchase invoices and projects read as entities: canonical records, changes only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from koppel.http import FakeClock
from koppel.records import Project, PurchaseInvoice, PurchaseInvoiceKind
from koppel.sync import Connection
from koppel_exact_bouw import facts
from koppel_exact_bouw.sandbox import ExactBouwSandbox

DAY = "2026-02-01"


def documents(sandbox: ExactBouwSandbox) -> int:
    return sandbox.count("GET", facts.PURCHASE_INVOICE_DOCUMENT.format(id="{id}"))


def test_purchase_invoices_come_with_their_lines_and_references(read: Any) -> None:
    invoices: list[PurchaseInvoice] = read("purchase_invoices")
    assert [i.number for i in invoices] == ["INK-26006", "INK-26014", "INK-26022"]
    first = invoices[0]
    assert first.kind is PurchaseInvoiceKind.INVOICE and first.administration == "2007"
    assert first.supplier is not None and first.supplier.name and first.supplier.number
    assert first.delivery_notes == ("LB26006",) and first.references == ("LB26006",)
    assert first.project == "2026001" and first.issue_date and first.due_date
    [line] = first.lines
    assert (line.gl_account, line.vat_rate, line.quantity) == ("7000", Decimal(21), Decimal(1))
    assert first.total_excl_vat == line.amount
    assert first.total_incl_vat == first.total_excl_vat + first.total_vat


def test_changes_only_read_takes_the_invoice_a_booking_changed(
    read: Any, book: Any, sandbox: ExactBouwSandbox
) -> None:
    sandbox.clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC).timestamp())  # after the demo
    assert len(read("purchase_invoices")) == 3
    cursor = sandbox.store["invoices"].get("61002")["updatedAt"]
    book(invoice_number="F-1", delivery_note="LB26000", amount="100.00", booked_on=DAY)
    book(invoice_number="F-1", delivery_note="LB26001", amount="50.00", booked_on=DAY)
    calls, docs = sandbox.count("GET", facts.PURCHASE_INVOICES.path), documents(sandbox)
    changed: list[PurchaseInvoice] = read("purchase_invoices", cursor)
    assert [i.number for i in changed] == ["INK-26022", "F-1"]  # the one at the cursor again
    assert sandbox.count("GET", facts.PURCHASE_INVOICES.path) - calls == 1
    assert documents(sandbox) - docs == 2  # one document per invoice read
    booked = changed[-1]
    assert [line.amount for line in booked.lines] == [Decimal("100.00"), Decimal("50.00")]
    assert booked.delivery_notes == ("LB26000", "LB26001")
    assert booked.total_excl_vat == Decimal("150.00") and booked.total_vat == Decimal("31.50")


def test_without_invoice_lines_no_document_is_read(
    read: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    connection.settings = {**connection.settings, "invoice_lines": False}
    invoices: list[PurchaseInvoice] = read("purchase_invoices")
    assert len(invoices) == 3 and all(not i.lines for i in invoices)
    assert documents(sandbox) == 0
    assert invoices[0].total_excl_vat > 0 and invoices[0].delivery_notes == ("LB26006",)


def test_negative_total_is_a_credit_note(read: Any, sandbox: ExactBouwSandbox) -> None:
    sandbox.store["invoices"].update(
        "61001", {"subTotal": "-10.00", "vatTotal": "-2.10", "total": "-12.10"}
    )
    kinds = {i.number: i.kind for i in read("purchase_invoices")}
    assert kinds["INK-26014"] is PurchaseInvoiceKind.CREDIT_NOTE
    assert kinds["INK-26006"] is PurchaseInvoiceKind.INVOICE


def test_project_filter_reads_only_that_projects_invoices(
    hooks: Any, connection: Connection
) -> None:
    records = hooks.fetch_records(
        connection=connection,
        entity="purchase_invoices",
        cursor=None,
        filters={"project": "3494100"},
    )
    assert [r.id for r in records] == ["61000"]  # every third contract is on it


def test_projects_read_as_canonical_projects_then_only_changes(
    read: Any, sandbox: ExactBouwSandbox
) -> None:
    projects: list[Project] = read("projects")
    assert len(projects) == 7 and len({p.id for p in projects}) == 7
    current = {p.number: p for p in projects}
    zonnehof = current["2026001"]  # the number commitments carry as their project
    assert zonnehof.name == "Renovatie Zonnehof blok A" and not zonnehof.closed
    assert zonnehof.customer and zonnehof.customer_name and zonnehof.administration == "2007"
    assert zonnehof.address is not None and zonnehof.address.city
    assert current["2025041"].closed and current["2025041"].end_date is not None
    cursor = max(sandbox.store["projects"].all(), key=lambda p: p["updatedAt"])["updatedAt"]
    sandbox.store["projects"].update("3494101", {"name": "De Akkers fase 2", "updatedAt": DAY})
    calls = sandbox.count("GET", facts.PROJECTS.path)
    changed: list[Project] = read("projects", cursor)
    assert [p.name for p in changed][-1] == "De Akkers fase 2" and len(changed) <= 2
    assert sandbox.count("GET", facts.PROJECTS.path) - calls == 1


def test_projects_deleted_since_the_cursor_are_reported_in_time_order(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    sandbox.clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC).timestamp())  # after the demo

    def fetch(cursor: str | None) -> list[Any]:
        return list(
            hooks.fetch_records(connection=connection, entity="projects", cursor=cursor, filters={})
        )

    first = fetch(None)
    assert not any(r.deleted for r in first) and sandbox.count("GET", "/deleted-projects") == 0
    cursor = first[-1].cursor
    sandbox.delete_project(3494000)
    sandbox.clock.advance(60)
    sandbox.store["projects"].update(
        "3494101", {"name": "De Akkers fase 2", "updatedAt": sandbox.now()}
    )
    again = fetch(cursor)
    assert [(r.id, r.deleted) for r in again][-2:] == [("3494000", True), ("3494101", False)]
    assert sandbox.count("GET", "/deleted-projects") == 1
    assert fetch(again[-1].cursor)[-1].id == "3494101"  # the deletion is not reported twice
