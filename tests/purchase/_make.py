"""UBL invoices made to order for the purchase tests, and the flow that books them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.purchase import booking, register, ubl

_CENT = Decimal("0.01")

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
<cbc:ID>{number}</cbc:ID>
<cbc:IssueDate>2026-10-01</cbc:IssueDate>
<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
{references}
<cac:AccountingSupplierParty><cac:Party>
{party_id}
<cac:PartyName><cbc:Name>Supplier {name}</cbc:Name></cac:PartyName>
{tax}
</cac:Party></cac:AccountingSupplierParty>
<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">{vat}</cbc:TaxAmount></cac:TaxTotal>
<cac:LegalMonetaryTotal>
<cbc:TaxExclusiveAmount currencyID="EUR">{net}</cbc:TaxExclusiveAmount>
<cbc:TaxInclusiveAmount currencyID="EUR">{gross}</cbc:TaxInclusiveAmount>
</cac:LegalMonetaryTotal>
{lines}
</Invoice>
"""

_LINE = """<cac:InvoiceLine><cbc:ID>{n}</cbc:ID>
<cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
<cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>
<cbc:AccountingCost>{gl}</cbc:AccountingCost>
<cac:Item><cbc:Name>Line {n}</cbc:Name>
<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent>
<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
</cac:InvoiceLine>"""


def ubl_invoice(
    number: str,
    *,
    supplier: str | None = "CRED-2001",
    vat_number: str | None = None,
    buyer_reference: str | None = None,
    orders: tuple[str, ...] = (),
    delivery_notes: tuple[str, ...] = (),
    lines: tuple[tuple[str, str], ...] = (("600.00", "7010"),),
) -> str:
    """A UBL Invoice of ``supplier`` (its number; None: none on the invoice) with
    ``vat_number``, and ``lines`` of (amount, GL account) at 21 % VAT."""
    refs = []
    if buyer_reference:
        refs.append(f"<cbc:BuyerReference>{buyer_reference}</cbc:BuyerReference>")
    refs += [f"<cac:OrderReference><cbc:ID>{o}</cbc:ID></cac:OrderReference>" for o in orders]
    refs += [
        f"<cac:DespatchDocumentReference><cbc:ID>{d}</cbc:ID></cac:DespatchDocumentReference>"
        for d in delivery_notes
    ]
    net = sum((Decimal(amount) for amount, _ in lines), Decimal(0))
    vat = sum(
        ((Decimal(amount) * 21 / 100).quantize(_CENT, ROUND_HALF_UP) for amount, _ in lines),
        Decimal(0),
    )
    return _HEAD.format(
        number=number,
        party_id=(
            f"<cac:PartyIdentification><cbc:ID>{supplier}</cbc:ID></cac:PartyIdentification>"
            if supplier
            else ""
        ),
        name=supplier or vat_number,
        tax=(
            f"<cac:PartyTaxScheme><cbc:CompanyID>{vat_number}</cbc:CompanyID>"
            "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
            if vat_number
            else ""
        ),
        references="\n".join(refs),
        vat=vat,
        net=net,
        gross=net + vat,
        lines="\n".join(
            _LINE.format(n=n, amount=amount, gl=gl) for n, (amount, gl) in enumerate(lines, 1)
        ),
    )


def drop(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def manager(*systems: Any) -> KoppelPluginManager:
    """A plugin manager with the purchase side's built-in systems and ``systems``."""
    pm = KoppelPluginManager()
    pm.load_builtins()
    for name, plugin in (("ubl", ubl.connector), ("register", register.connector)):
        pm.register(plugin, name)
    pm.register(booking.connector, "booking")
    for system in systems:
        pm.register(system, system.name)
    return pm


#: The booking settings of the tests: Multi ERP on (journal entries) unless a test
#: says otherwise.
BOOKS = {"creditor_account": "1600", "vat_account": "1510", "multi_erp": True}


def invoices_flow(folder: Path, *, administration: str = "acme", **settings: Any) -> Flow:
    """ubl -> booking: the purchase invoices in ``folder`` (of ``administration``) matched
    and booked; a setting given as None is left out."""
    return parse_flow(
        {
            "name": "purchase-invoices",
            "source": "inbox",
            "target": "books",
            "entity": "purchase_invoices",
            "connections": {
                "inbox": {
                    "system": "ubl",
                    "settings": {"folder": str(folder), "administration": administration},
                },
                "books": {
                    "system": "booking",
                    "settings": {
                        key: value
                        for key, value in {**BOOKS, **settings}.items()
                        if value is not None
                    },
                },
            },
        }
    )


def export_flow(
    entity: str, target: str, system: str, *, books: dict[str, Any] | None = None, **extra: Any
) -> Flow:
    """booking -> ``system``: the bookings' ``entity`` exported."""
    return parse_flow(
        {
            "name": f"bookings-{entity}-{target}",
            "source": "books",
            "target": target,
            "entity": entity,
            "connections": {
                "books": {"system": "booking", **(books or {})},
                target: {"system": system},
            },
            **extra,
        }
    )
