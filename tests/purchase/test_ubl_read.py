"""Reading UBL 2.1 / Peppol BIS Billing 3.0 documents into purchase invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from koppel.errors import SourceRecordError
from koppel.purchase._ubl import read_ubl
from koppel.records import PurchaseInvoiceKind

from .conftest import sample


def read(text: str, file: str = "doc.xml"):  # type: ignore[no-untyped-def]
    return read_ubl(text.encode(), file)


def test_invoice_header_supplier_and_references() -> None:
    invoice = read(sample("invoice.xml"), "invoice.xml")
    assert invoice.kind is PurchaseInvoiceKind.INVOICE
    assert invoice.number == "F2026-0412"
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 10, 1), date(2026, 10, 31))
    assert invoice.currency == "EUR"
    supplier = invoice.supplier
    assert supplier is not None
    assert supplier.name == "Betonhandel Noord B.V."
    assert supplier.number == "CRED-2001"
    assert supplier.vat_number == "NL854723456B01"
    assert supplier.iban == "NL91ABNA0417164300"
    assert supplier.country == "NL"
    assert invoice.buyer_reference == "VP-1001"
    assert invoice.order_references == ("PO-5501",)
    assert invoice.delivery_notes == ("LB-88001", "LB-88002")
    assert invoice.project == "P-ZUIDAS"


def test_invoice_lines_and_totals() -> None:
    invoice = read(sample("invoice.xml"))
    first, second = invoice.lines
    assert (first.description, first.quantity, first.amount) == (
        "Concrete C30/37",
        Decimal(10),
        Decimal("950.00"),
    )
    assert (first.vat_code, first.vat_rate, first.vat_amount) == (
        "S",
        Decimal(21),
        Decimal("199.50"),
    )
    assert first.gl_account == "7010"
    assert second.gl_account == "7000"  # the document's AccountingCost where the line has none
    assert first.project == "P-ZUIDAS"
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("1250.00"),
        Decimal("262.50"),
        Decimal("1512.50"),
    )


def test_credit_note_amounts_are_negative() -> None:
    note = read(sample("creditnote.xml"))
    assert note.kind is PurchaseInvoiceKind.CREDIT_NOTE
    assert note.due_date == date(2026, 11, 4)  # PaymentMeans/PaymentDueDate
    (line,) = note.lines
    assert (line.quantity, line.amount, line.vat_amount) == (
        Decimal(2),
        Decimal("-100.00"),
        Decimal("-21.00"),
    )
    assert (note.total_excl_vat, note.total_vat, note.total_incl_vat) == (
        Decimal("-100.00"),
        Decimal("-21.00"),
        Decimal("-121.00"),
    )


def test_invoice_with_credit_note_type_code_is_a_credit_note() -> None:
    text = sample("invoice.xml").replace("<cbc:InvoiceTypeCode>380<", "<cbc:InvoiceTypeCode>381<")
    invoice = read(text)
    assert invoice.kind is PurchaseInvoiceKind.CREDIT_NOTE
    assert invoice.total_incl_vat == Decimal("-1512.50")


def test_vat_total_is_the_one_in_the_document_currency() -> None:
    extra = '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">3000</cbc:TaxAmount></cac:TaxTotal>'
    text = sample("invoice.xml").replace("<cac:TaxTotal>", extra + "<cac:TaxTotal>", 1)
    assert read(text).total_vat == Decimal("262.50")


@pytest.mark.parametrize(
    ("change", "element"),
    [
        (("<cbc:ID>F2026-0412</cbc:ID>", ""), "Invoice/cbc:ID is missing"),
        (
            ("<cbc:IssueDate>2026-10-01<", "<cbc:IssueDate>01-10-2026<"),
            "Invoice/cbc:IssueDate '01-10-2026' is not a date",
        ),
        (
            ('<cbc:TaxExclusiveAmount currencyID="EUR">1250.00<', "<cbc:TaxExclusiveAmount>abc<"),
            "Invoice/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount 'abc' is not a number",
        ),
        (
            ('<cbc:LineExtensionAmount currencyID="EUR">300.00<', "<cbc:LineExtensionAmount>x<"),
            "Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount 'x' is not a number",
        ),
        (
            ("<cbc:CompanyID>NL854723456B01<", "<cbc:CompanyID>NL854723457B01<"),
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID is not valid",
        ),
        (
            ("<cbc:ID>NL91ABNA0417164300<", "<cbc:ID>NL00ABNA0417164300<"),
            "Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID is not valid",
        ),
    ],
)
def test_bad_documents_name_file_and_element(change: tuple[str, str], element: str) -> None:
    text = sample("invoice.xml")
    assert change[0] in text
    with pytest.raises(SourceRecordError, match=r"^bad\.xml: ") as caught:
        read(text.replace(*change), "bad.xml")
    assert element in caught.value.message
    assert caught.value.context["file"] == "bad.xml"


def test_invalid_vat_number_names_the_supplier_field() -> None:
    text = sample("invoice.xml").replace("NL854723456B01", "NL854723457B01")
    with pytest.raises(SourceRecordError) as caught:
        read(text)
    assert caught.value.context["field"] == "supplier.vat_number"


def test_not_well_formed_xml_is_named() -> None:
    with pytest.raises(SourceRecordError, match=r"^cut\.xml: not well-formed XML"):
        read(sample("invoice.xml")[:500], "cut.xml")


def test_other_documents_are_refused_naming_the_root_element() -> None:
    order = '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'
    with pytest.raises(SourceRecordError, match=r"Order-2}Order is not a UBL 2\.1 Invoice"):
        read(order)


def test_entities_and_external_references_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&b;</Invoice>'
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>'
    )
    for text in (bomb, external):
        with pytest.raises(SourceRecordError, match="refused: DTDForbidden"):
            read(text)


def test_a_document_without_lines_is_refused() -> None:
    text = sample("creditnote.xml")
    start, end = text.index("<cac:CreditNoteLine>"), text.index("</CreditNote>")
    with pytest.raises(SourceRecordError, match="CreditNote/cac:CreditNoteLine is missing"):
        read(text[:start] + text[end:])
