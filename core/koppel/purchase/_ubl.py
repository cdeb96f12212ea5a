"""Reading one UBL 2.1 / Peppol BIS Billing 3.0 Invoice or CreditNote into a PurchaseInvoice.

Parsed with defusedxml: a document type declaration, entities or external
references are refused, so nothing is fetched and nothing expands. Element
names follow the UBL 2.1 schemas and the Peppol BIS Billing 3.0 syntax (see
docs/purchase.md for the sources). Every problem is a
:class:`~koppel.errors.SourceRecordError` naming the file and the element.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from koppel.errors import SourceRecordError, ValidationError
from koppel.records import Creditor, PurchaseInvoice, PurchaseInvoiceKind, PurchaseInvoiceLine

__all__ = ["CAC", "CBC", "CREDIT_NOTE_NS", "INVOICE_NS", "read_ubl"]

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

#: UNTDID 1001 "credit note": a CreditNote's type, also found on an Invoice that credits.
CREDIT_NOTE_TYPE = "381"
_PREFIXES = {"cac": CAC, "cbc": CBC}
_CENT = Decimal("0.01")
_T = TypeVar("_T")


def _qualified(path: str) -> str:
    """``cac:Party/cbc:Name`` with the namespaces spelled out, for ElementTree."""
    parts = []
    for step in path.split("/"):
        prefix, _, name = step.partition(":")
        parts.append(f"{{{_PREFIXES[prefix]}}}{name}")
    return "/".join(parts)


class _Reader:
    """Finds elements under one node, naming the file and the element path in errors."""

    def __init__(self, node: ET.Element, file: str, where: str) -> None:
        self.node = node
        self.file = file
        self.where = where

    def error(self, path: str, problem: str) -> SourceRecordError:
        element = f"{self.where}/{path}" if path else self.where
        return SourceRecordError(
            f"{self.file}: {element} {problem}", file=self.file, element=element
        )

    def child(self, path: str) -> _Reader | None:
        found = self.node.find(_qualified(path))
        return None if found is None else _Reader(found, self.file, f"{self.where}/{path}")

    def children(self, path: str) -> list[_Reader]:
        return [
            _Reader(found, self.file, f"{self.where}/{path}[{n}]")
            for n, found in enumerate(self.node.findall(_qualified(path)), start=1)
        ]

    def text(self, path: str, *, required: bool = False) -> str | None:
        found = self.node.find(_qualified(path))
        value = (found.text or "").strip() if found is not None else ""
        if not value:
            if required:
                raise self.error(path, "is missing or empty")
            return None
        return value

    def attribute(self, path: str, name: str) -> str | None:
        found = self.node.find(_qualified(path))
        return None if found is None else found.get(name)

    def texts(self, path: str) -> tuple[str, ...]:
        values = ((found.text or "").strip() for found in self.node.findall(_qualified(path)))
        return tuple(dict.fromkeys(value for value in values if value))

    def parsed(
        self, path: str, parse: Callable[[str], _T], what: str, *, required: bool
    ) -> _T | None:
        value = self.text(path, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except (ValueError, InvalidOperation):
            raise self.error(path, f"{value!r} is not {what}") from None

    def amount(self, path: str, *, required: bool = False) -> Decimal | None:
        value = self.parsed(path, Decimal, "a number", required=required)
        if value is not None and not value.is_finite():
            raise self.error(path, f"{value} is not a number")
        return value

    def day(self, path: str, *, required: bool = False) -> date | None:
        return self.parsed(path, date.fromisoformat, "a date (YYYY-MM-DD)", required=required)


def read_ubl(content: bytes, file: str) -> PurchaseInvoice:
    """The purchase invoice in the UBL document ``content`` (the text of ``file``).

    :raises SourceRecordError: naming ``file`` and the element, when the document is
        not well-formed XML, uses forbidden XML features, is not a UBL Invoice or
        CreditNote, lacks a required element or holds a value that is not valid.
    """
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceRecordError(
            f"{file}: refused: {type(exc).__name__} (no DTDs, entities or external references)",
            file=file,
        ) from None
    except ET.ParseError as exc:
        raise SourceRecordError(f"{file}: not well-formed XML: {exc}", file=file) from None
    if root.tag == f"{{{INVOICE_NS}}}Invoice":
        kind, name, line_path, quantity = (
            PurchaseInvoiceKind.INVOICE,
            "Invoice",
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        )
    elif root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote":
        kind, name, line_path, quantity = (
            PurchaseInvoiceKind.CREDIT_NOTE,
            "CreditNote",
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        )
    else:
        raise SourceRecordError(
            f"{file}: the root element {root.tag} is not a UBL 2.1 Invoice or CreditNote",
            file=file,
            element=root.tag,
        )
    doc = _Reader(root, file, name)
    if doc.text("cbc:InvoiceTypeCode") == CREDIT_NOTE_TYPE:
        kind = PurchaseInvoiceKind.CREDIT_NOTE
    sign = Decimal(-1) if kind is PurchaseInvoiceKind.CREDIT_NOTE else Decimal(1)
    project = doc.text("cac:ProjectReference/cbc:ID")
    accounting = doc.text("cbc:AccountingCost")
    lines = tuple(
        _line(line, quantity, sign, project, accounting) for line in doc.children(line_path)
    )
    if not lines:
        raise doc.error(line_path, "is missing: the document has no lines")
    totals = doc.child("cac:LegalMonetaryTotal")
    if totals is None:
        raise doc.error("cac:LegalMonetaryTotal", "is missing")
    excl = totals.amount("cbc:TaxExclusiveAmount", required=True)
    incl = totals.amount("cbc:TaxInclusiveAmount", required=True)
    assert excl is not None and incl is not None
    currency = doc.text("cbc:DocumentCurrencyCode", required=True)
    assert currency is not None
    vat = _vat_total(doc, currency)
    return PurchaseInvoice(
        id=None,
        kind=kind,
        number=doc.text("cbc:ID", required=True),
        supplier=_supplier(doc),
        issue_date=doc.day("cbc:IssueDate", required=True),
        due_date=doc.day("cbc:DueDate") or doc.day("cac:PaymentMeans/cbc:PaymentDueDate"),
        currency=currency,
        buyer_reference=doc.text("cbc:BuyerReference"),
        order_references=doc.texts("cac:OrderReference/cbc:ID"),
        delivery_notes=doc.texts("cac:DespatchDocumentReference/cbc:ID"),
        project=project,
        description=doc.text("cbc:Note"),
        lines=lines,
        total_excl_vat=sign * excl,
        total_vat=sign * vat,
        total_incl_vat=sign * incl,
    )


def _vat_total(doc: _Reader, currency: str) -> Decimal:
    """The VAT total in the document's currency: the TaxTotal whose TaxAmount is in it
    (a second TaxTotal may give the VAT in the accounting currency)."""
    for tax in doc.children("cac:TaxTotal"):
        if tax.attribute("cbc:TaxAmount", "currencyID") in (None, currency):
            amount = tax.amount("cbc:TaxAmount", required=True)
            assert amount is not None
            return amount
    raise doc.error("cac:TaxTotal/cbc:TaxAmount", f"is missing (none in {currency})")


def _supplier(doc: _Reader) -> Creditor:
    party = doc.child("cac:AccountingSupplierParty/cac:Party")
    if party is None:
        raise doc.error("cac:AccountingSupplierParty/cac:Party", "is missing")
    vat_path = "cac:PartyTaxScheme/cbc:CompanyID"
    vat_number = next(
        (
            scheme.text("cbc:CompanyID")
            for scheme in party.children("cac:PartyTaxScheme")
            if (scheme.text("cac:TaxScheme/cbc:ID") or "").upper() == "VAT"
        ),
        None,
    )
    iban_path = "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"
    account = doc.text(iban_path)
    name = party.text("cac:PartyLegalEntity/cbc:RegistrationName") or party.text(
        "cac:PartyName/cbc:Name"
    )
    try:
        return Creditor(
            name=name,
            number=party.text("cac:PartyIdentification/cbc:ID"),
            vat_number=vat_number,
            iban=account,
            country=party.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        )
    except ValidationError as exc:
        reader, path = (doc, iban_path) if exc.context.get("field") == "iban" else (party, vat_path)
        raise reader.error(path, f"is not valid: {exc.message}").with_context(
            field=f"supplier.{exc.context.get('field')}"
        ) from None


def _line(
    line: _Reader,
    quantity_path: str,
    sign: Decimal,
    project: str | None,
    accounting: str | None,
) -> PurchaseInvoiceLine:
    amount = line.amount("cbc:LineExtensionAmount", required=True)
    assert amount is not None
    rate = line.amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
    vat_amount = None
    if rate is not None:
        vat_amount = (amount * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    return PurchaseInvoiceLine(
        number=line.text("cbc:ID"),
        description=line.text("cac:Item/cbc:Name") or line.text("cac:Item/cbc:Description"),
        gl_account=line.text("cbc:AccountingCost") or accounting,
        quantity=line.amount(quantity_path) or Decimal(1),
        amount=sign * amount,
        vat_code=line.text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
        vat_rate=rate,
        vat_amount=None if vat_amount is None else sign * vat_amount,
        project=project,
    )
