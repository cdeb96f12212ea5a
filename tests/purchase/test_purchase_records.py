"""The canonical purchase invoice: numbers checked with python-stdnum, references."""

from __future__ import annotations

from decimal import Decimal

import pytest

from koppel.errors import MappingRecordError, ValidationError
from koppel.records import (
    ENTITY_RECORDS,
    Creditor,
    PurchaseInvoice,
    PurchaseInvoiceKind,
    structure,
    unstructure,
)


def test_purchase_invoices_are_a_canonical_entity() -> None:
    assert ENTITY_RECORDS["purchase_invoices"] is PurchaseInvoice


def test_creditor_keeps_vat_number_and_iban_compacted() -> None:
    creditor = Creditor(vat_number="nl 8547.23.456.B01", iban="NL91 ABNA 0417 1643 00")
    assert creditor.vat_number == "NL854723456B01"
    assert creditor.iban == "NL91ABNA0417164300"


def test_non_eu_vat_number_is_checked_by_its_country() -> None:
    assert Creditor(vat_number="GB980780684").vat_number == "GB980780684"
    with pytest.raises(ValidationError, match="vat_number 'GB980780685'"):
        Creditor(vat_number="GB980780685")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vat_number", "NL854723457B01"),  # check digit wrong
        ("vat_number", "854723456B01"),  # no country prefix
        ("iban", "NL91ABNA0417164301"),  # check digits wrong
    ],
)
def test_invalid_numbers_are_record_errors_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=f"{field} '{value}'") as caught:
        Creditor(**{field: value})
    assert caught.value.context["field"] == field


def test_structuring_an_invalid_vat_number_names_supplier_and_field() -> None:
    with pytest.raises(MappingRecordError, match=r"PurchaseInvoice\.supplier: vat_number"):
        structure({"supplier": {"vat_number": "NL123"}}, PurchaseInvoice)


def test_purchase_invoice_round_trips_through_plain_data() -> None:
    data = {
        "number": "F-1",
        "kind": "credit_note",
        "supplier": {"name": "Noord", "vat_number": "NL854723456B01"},
        "issue_date": "2026-10-01",
        "order_references": ["PO-1"],
        "lines": [{"description": "x", "amount": "-10.00", "vat_rate": "21"}],
        "total_excl_vat": "-10.00",
    }
    invoice = structure(data, PurchaseInvoice)
    assert invoice.kind is PurchaseInvoiceKind.CREDIT_NOTE
    assert invoice.lines[0].amount == Decimal("-10.00")
    assert structure(unstructure(invoice), PurchaseInvoice) == invoice


def test_references_list_each_reference_once_in_order() -> None:
    invoice = PurchaseInvoice(
        buyer_reference="VP-1", order_references=("PO-1", "VP-1"), delivery_notes=("LB-1",)
    )
    assert invoice.references == ("VP-1", "PO-1", "LB-1")
