"""Purchase invoices (*inkoopfacturen*): what a supplier bills, with the references on it."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
from stdnum import get_cc_module, iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as NumberError

from koppel.errors import ValidationError

__all__ = [
    "Creditor",
    "PurchaseInvoice",
    "PurchaseInvoiceKind",
    "PurchaseInvoiceLine",
    "check_iban",
    "check_vat_number",
]


def check_vat_number(value: str) -> str:
    """``value`` as a valid VAT number with its country prefix, compacted (``NL...B01``).

    EU numbers (and Northern Ireland's ``XI``) are checked with ``stdnum.eu.vat``,
    others with the country's own ``stdnum`` module.

    :raises ValidationError: naming ``vat_number`` when it is not valid.
    """
    prefix = value.strip()[:2].lower()
    module: Any = eu_vat if prefix in eu_vat.MEMBER_STATES or prefix == "el" else None
    if module is None and prefix.isalpha():
        module = get_cc_module(prefix, "vat")
    if module is None:
        raise ValidationError(
            f"vat_number {value!r} does not start with a known country code",
            field="vat_number",
        )
    try:
        compact: str = module.compact(value)
        module.validate(compact)
    except NumberError as exc:
        raise ValidationError(
            f"vat_number {value!r} is not a valid VAT number: {exc}", field="vat_number"
        ) from None
    return compact if compact[:2].isalpha() else prefix.upper() + compact


def check_iban(value: str) -> str:
    """``value`` as a valid IBAN, compacted (no spaces, upper case).

    :raises ValidationError: naming ``iban`` when it is not valid.
    """
    try:
        result: str = iban.validate(value)
    except NumberError as exc:
        raise ValidationError(f"iban {value!r} is not a valid IBAN: {exc}", field="iban") from None
    return result


def _vat_number_or_none(value: str | None) -> str | None:
    return None if value is None else check_vat_number(value)


def _iban_or_none(value: str | None) -> str | None:
    return None if value is None else check_iban(value)


@attrs.frozen(kw_only=True)
class Creditor:
    """The supplier (*crediteur*) of a purchase invoice.

    ``number`` is the supplier's identifier as the source gives it (a creditor
    number, or the party identifier on a UBL invoice). ``vat_number`` and ``iban``
    are checked with python-stdnum and kept compacted; an invalid one is a
    :class:`~koppel.errors.ValidationError` naming the field.
    """

    name: str | None = None
    number: str | None = None
    vat_number: str | None = attrs.field(default=None, converter=_vat_number_or_none)
    iban: str | None = attrs.field(default=None, converter=_iban_or_none)
    country: str | None = None


class PurchaseInvoiceKind(enum.StrEnum):
    """An invoice, or a credit note (whose amounts are negative)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@attrs.frozen(kw_only=True)
class PurchaseInvoiceLine:
    """One line: ``amount`` excludes VAT; ``vat_rate`` is a percentage (21 for 21 %)."""

    number: str | None = None
    description: str | None = None
    gl_account: str | None = None
    quantity: Decimal = Decimal(1)
    amount: Decimal = Decimal(0)
    vat_code: str | None = None
    vat_rate: Decimal | None = None
    vat_amount: Decimal | None = None
    project: str | None = None
    cost_centre: str | None = None


@attrs.frozen(kw_only=True)
class PurchaseInvoice:
    """A purchase invoice or credit note with its totals and the references found on it.

    ``buyer_reference`` is the "your reference" the buyer gave the supplier;
    ``order_references`` the purchase order numbers and ``delivery_notes`` the
    delivery note (despatch advice) numbers it names. Matching to commitments
    looks at all of them (:attr:`references`). A credit note's amounts and
    totals are negative. ``administration`` is the company that received it.
    """

    id: str | None = None
    administration: str | None = None
    kind: PurchaseInvoiceKind = PurchaseInvoiceKind.INVOICE
    number: str | None = None
    supplier: Creditor | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = "EUR"
    buyer_reference: str | None = None
    order_references: tuple[str, ...] = ()
    delivery_notes: tuple[str, ...] = ()
    project: str | None = None
    description: str | None = None
    lines: tuple[PurchaseInvoiceLine, ...] = ()
    total_excl_vat: Decimal = Decimal(0)
    total_vat: Decimal = Decimal(0)
    total_incl_vat: Decimal = Decimal(0)

    @property
    def references(self) -> tuple[str, ...]:
        """Every reference on the invoice, once each, in the order found."""
        found = (self.buyer_reference, *self.order_references, *self.delivery_notes)
        return tuple(dict.fromkeys(ref for ref in found if ref))
