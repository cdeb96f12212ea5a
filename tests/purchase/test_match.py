"""Automatic matching of purchase invoices to commitments (issue 18's rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

import attrs
import pytest

from koppel.errors import ConfigurationError, ValidationError
from koppel.purchase._ubl import read_ubl
from koppel.purchase.match import (
    Matched,
    MatchSettings,
    Remainder,
    Unmatched,
    allocate,
    match_invoice,
)
from koppel.records import (
    Commitment,
    CommitmentLine,
    Creditor,
    PurchaseInvoice,
    PurchaseInvoiceKind,
    PurchaseInvoiceLine,
)
from koppel.state import RegisteredCommitment, StateStore

from .conftest import sample

SUPPLIER = Creditor(name="Betonhandel Noord", number="CRED-2001", vat_number="NL854723456B01")
BOUW = MatchSettings(delivery_note_sources=frozenset({"exact-bouw"}))
_ids = count(1)


def registered(source: str = "afas", **fields: Any) -> RegisteredCommitment:
    values: dict[str, Any] = {
        "supplier": "CRED-2001",
        "gl_account": "7010",
        "amount": Decimal("1000.00"),
        "open_amount": Decimal("1000.00"),
        **fields,
    }
    number = next(_ids)
    return RegisteredCommitment(
        id=number,
        source_system=source,
        source_id=f"{source}-{number}",
        updated_at=datetime(2026, 10, 1, tzinfo=UTC),
        commitment=Commitment(**values),
    )


def invoice(total: str = "1000.00", *accounts: str, **fields: Any) -> PurchaseInvoice:
    lines = tuple(
        PurchaseInvoiceLine(gl_account=account, amount=Decimal(total)) for account in accounts
    ) or (PurchaseInvoiceLine(gl_account="7010", amount=Decimal(total)),)
    values: dict[str, Any] = {
        "id": "NL854723456B01/F-1",
        "number": "F-1",
        "supplier": SUPPLIER,
        "issue_date": date(2026, 10, 2),
        "lines": lines,
        "total_excl_vat": Decimal(total),
        **fields,
    }
    return PurchaseInvoice(**values)


def matched(result: Matched | Unmatched) -> Matched:
    assert isinstance(result, Matched), result
    return result


def unmatched(result: Matched | Unmatched) -> Unmatched:
    assert isinstance(result, Unmatched), result
    return result


@pytest.mark.parametrize("field", ["code", "internal_reference", "external_reference"])
def test_a_reference_matches_an_afas_commitment_by_code_or_reference(field: str) -> None:
    target = registered(**{field: "VP-1001"})
    other = registered(code="VP-2")
    result = matched(match_invoice(invoice(buyer_reference="vp-1001"), [other, target], BOUW))
    (allocation,) = result.allocations
    assert allocation.commitment is target
    assert (allocation.amount, allocation.handled, allocation.left) == (
        Decimal("1000.00"),
        True,
        Decimal(0),
    )
    assert result.difference == 0


def test_exact_bouw_commitments_match_by_delivery_note_only() -> None:
    by_code = registered("exact-bouw", code="LB-1")
    by_note = registered("exact-bouw", delivery_notes=("LB-1",))
    result = matched(match_invoice(invoice(delivery_notes=("LB-1",)), [by_code, by_note], BOUW))
    assert [a.commitment for a in result.allocations] == [by_note]
    assert result.allocations[0].delivery_note == "LB-1"


def test_a_delivery_note_on_a_commitment_line_books_that_line() -> None:
    line = CommitmentLine(
        id="L2",
        gl_account="7020",
        delivery_notes=("LB-9",),
        amount=Decimal(300),
        open_amount=Decimal(300),
    )
    target = registered(
        "exact-bouw",
        gl_account=None,
        delivery_notes=("LB-8", "LB-9"),  # the lines' notes, also on the commitment
        lines=(CommitmentLine(id="L1", delivery_notes=("LB-8",)), line),
    )
    result = matched(
        match_invoice(invoice("250.00", "7020", delivery_notes=("LB-9",)), [target], BOUW)
    )
    (allocation,) = result.allocations
    assert allocation.line == line
    assert (allocation.amount, allocation.handled, allocation.left) == (
        Decimal("250.00"),
        False,
        Decimal("50"),
    )
    (booking,) = result.bookings()
    assert (booking.commitment, booking.line, booking.gl_account, booking.delivery_note) == (
        target.source_id,
        "L2",
        "7020",
        "LB-9",
    )
    assert booking.id == f"NL854723456B01/F-1/{target.source_id}/L2"
    assert (booking.amount, booking.handled, booking.booked_on) == (
        Decimal("250.00"),
        False,
        date(2026, 10, 2),
    )


def test_only_the_suppliers_open_commitments_of_the_administration_are_candidates() -> None:
    commitments = [
        registered(code="VP-1", supplier="SOMEONE-ELSE"),
        registered(code="VP-1", handled=True),
        registered(code="VP-1", open_amount=Decimal(0)),
        registered(code="VP-1", administration="other"),
    ]
    result = unmatched(
        match_invoice(invoice(buyer_reference="VP-1", administration="acme"), commitments, BOUW)
    )
    assert result.reason == "no open commitment of the supplier matches a reference on the invoice"
    assert result.candidates == ()
    by_vat = registered(code="VP-1", supplier="NL854723456B01", administration="acme")
    acme = invoice(buyer_reference="VP-1", administration="acme")
    (allocation,) = matched(match_invoice(acme, [*commitments, by_vat], BOUW)).allocations
    assert allocation.commitment is by_vat


def test_a_wrong_gl_account_does_not_match_and_is_listed_with_why() -> None:
    wrong = registered(code="VP-1", gl_account="4000")
    result = unmatched(match_invoice(invoice("10", "7010", buyer_reference="VP-1"), [wrong], BOUW))
    assert result.reason.startswith("no commitment of the supplier with a fitting GL account")
    (candidate,) = result.candidates
    assert candidate.commitment is wrong
    assert "GL account 4000 is on no invoice line (7010)" in candidate.reason


def test_a_commitment_without_gl_account_or_an_invoice_without_any_matches_any() -> None:
    no_account = registered(code="VP-1", gl_account=None)
    assert matched(match_invoice(invoice("10", "9999", buyer_reference="VP-1"), [no_account], BOUW))
    with_account = registered(code="VP-2")
    bare = invoice("10", buyer_reference="VP-2", lines=(PurchaseInvoiceLine(amount=Decimal(10)),))
    assert matched(match_invoice(bare, [with_account], BOUW))


def test_a_reference_several_commitments_share_is_ambiguous_with_candidates() -> None:
    first = registered(code="VP-1")
    second = registered(external_reference="VP-1")
    result = unmatched(match_invoice(invoice(buyer_reference="VP-1"), [first, second], BOUW))
    assert result.reason == "reference VP-1 matches 2 commitments"
    assert [c.commitment for c in result.candidates] == [first, second]


def test_no_match_lists_the_suppliers_open_commitments() -> None:
    open_one = registered(code="VP-7")
    result = unmatched(match_invoice(invoice(buyer_reference="NOPE"), [open_one], BOUW))
    assert [c.commitment for c in result.candidates] == [open_one]


def test_several_commitments_share_one_invoice_in_reference_order() -> None:
    first = registered(code="VP-1", open_amount=Decimal("600.00"))
    second = registered(code="VP-2", open_amount=Decimal("600.00"))
    result = matched(
        match_invoice(
            invoice("1000.00", buyer_reference="VP-2", order_references=("VP-1",)),
            [first, second],
            BOUW,
        )
    )
    assert [(a.commitment, a.amount, a.handled, a.left) for a in result.allocations] == [
        (second, Decimal("600.00"), True, Decimal(0)),
        (first, Decimal("400.00"), False, Decimal("200.00")),
    ]


def test_remainder_close_handles_every_commitment_booked_on() -> None:
    target = registered(code="VP-1")
    settings = MatchSettings(remainder=Remainder.CLOSE)
    result = matched(match_invoice(invoice("700.00", buyer_reference="VP-1"), [target], settings))
    (allocation,) = result.allocations
    assert (allocation.amount, allocation.handled, allocation.left) == (
        Decimal("700.00"),
        True,
        Decimal(0),
    )


@pytest.mark.parametrize(("total", "difference"), [("1100.00", "100.00"), ("700.00", "-300.00")])
def test_remainder_book_difference_books_open_amounts_and_the_difference(
    total: str, difference: str
) -> None:
    target = registered(code="VP-1")
    settings = MatchSettings(remainder=Remainder.BOOK_DIFFERENCE, difference_account="8990")
    result = matched(match_invoice(invoice(total, buyer_reference="VP-1"), [target], settings))
    (allocation,) = result.allocations
    assert (allocation.amount, allocation.handled) == (Decimal("1000.00"), True)
    assert (result.difference, result.difference_account) == (Decimal(difference), "8990")


def test_book_difference_needs_an_account() -> None:
    with pytest.raises(ConfigurationError, match="needs a difference_account"):
        MatchSettings(remainder=Remainder.BOOK_DIFFERENCE)


def test_leave_open_books_an_excess_on_the_last_commitment() -> None:
    target = registered(code="VP-1", open_amount=Decimal("100.00"))
    result = matched(match_invoice(invoice("130.00", buyer_reference="VP-1"), [target], BOUW))
    (allocation,) = result.allocations
    assert (allocation.amount, allocation.handled, allocation.left) == (
        Decimal("130.00"),
        True,
        Decimal(0),
    )


def test_a_credit_note_is_left_to_an_operator() -> None:
    note = invoice("-10.00", buyer_reference="VP-1", kind=PurchaseInvoiceKind.CREDIT_NOTE)
    result = unmatched(match_invoice(note, [registered(code="VP-1")], BOUW))
    assert result.reason == "a credit note is matched by an operator"


def test_an_operator_books_a_credit_note_back_on_its_commitment() -> None:
    target = registered(code="A", open_amount=Decimal("400.00"))
    note = invoice("-100.00", kind=PurchaseInvoiceKind.CREDIT_NOTE)
    (allocation,) = allocate(note, [(target, Decimal("60.00"))], BOUW).allocations
    assert (allocation.amount, allocation.left) == (Decimal("-60.00"), Decimal("460.00"))
    (whole,) = allocate(note, [(target, None)], BOUW).allocations
    assert (whole.amount, whole.left, whole.handled) == (
        Decimal("-100.00"),
        Decimal("500.00"),
        False,
    )
    with pytest.raises(ValidationError, match="exceed the invoice total"):
        allocate(note, [(target, Decimal("150.00"))], BOUW)


def test_an_operator_chooses_commitments_with_amounts() -> None:
    first = registered(code="A")
    second = registered(code="B", open_amount=Decimal("50.00"))
    result = allocate(invoice("800.00"), [(first, Decimal("300.00")), (second, None)], BOUW)
    assert [(a.commitment, a.amount, a.handled, a.left) for a in result.allocations] == [
        (first, Decimal("300.00"), False, Decimal("700.00")),
        (second, Decimal("500.00"), True, Decimal(0)),
    ]
    assert result.difference == 0


def test_an_operator_cannot_choose_more_than_the_invoice_or_nothing() -> None:
    with pytest.raises(ValidationError, match=r"exceed the invoice total \(100\.00\)"):
        allocate(invoice("100.00"), [(registered(code="A"), Decimal("150.00"))], BOUW)
    with pytest.raises(ValidationError, match="choose at least one"):
        allocate(invoice("100.00"), [], BOUW)


def test_a_ubl_invoice_matches_commitments_read_from_the_register(store: StateStore) -> None:
    afas_commitment = Commitment(
        code="VP-1001",
        administration="acme",
        supplier="CRED-2001",
        gl_account="7010",
        amount=Decimal("1000.00"),
        open_amount=Decimal("1000.00"),
    )
    bouw_commitment = Commitment(
        code="B-77",
        administration="acme",
        supplier="CRED-2001",
        delivery_notes=("LB-88002",),
        amount=Decimal("400.00"),
        open_amount=Decimal("400.00"),
    )
    store.save_commitment(afas_commitment, source_system="afas", source_id="11")
    store.save_commitment(bouw_commitment, source_system="exact-bouw", source_id="77")
    document = read_ubl(sample("invoice.xml").encode(), "invoice.xml")
    received = attrs.evolve(document, id="NL854723456B01/F2026-0412", administration="acme")
    assert received.supplier is not None and received.supplier.number is not None
    pool = store.commitments_by_supplier(
        received.supplier.number, administration="acme", open_only=True
    )
    result = matched(match_invoice(received, pool, BOUW))
    assert [(a.commitment.source_id, a.amount, a.handled) for a in result.allocations] == [
        ("11", Decimal("1000.00"), True),
        ("77", Decimal("250.00"), False),
    ]
    assert [b.delivery_note for b in result.bookings()] == [None, "LB-88002"]
