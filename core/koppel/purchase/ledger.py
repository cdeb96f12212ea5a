"""A purchase invoice as a balanced financial booking (*memoriaalboeking*): the creditor
credited the total, the expense debited per GL account, the VAT per VAT code.

Pure functions: :func:`journal_entry` turns a :class:`~koppel.records.PurchaseInvoice`
(and the difference a match books to its own account) into a
:class:`~koppel.records.JournalEntry` whose lines sum to zero, or refuses an invoice
that cannot be booked, naming why. :func:`booked_invoice` gives the same booking as a
purchase invoice (*inkoopfactuur*), for a finance ERP that takes those.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from koppel.errors import ValidationError
from koppel.records import (
    JournalEntry,
    JournalLine,
    JournalLineKind,
    PurchaseInvoice,
    PurchaseInvoiceLine,
)

__all__ = ["LedgerSettings", "booked_invoice", "journal_entry"]

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class LedgerSettings:
    """The accounts a purchase invoice is booked on.

    :param creditor_account: the creditors (accounts payable) GL account.
    :param vat_accounts: VAT code -> the GL account of input VAT with that code.
    :param vat_account: the input VAT account of a code ``vat_accounts`` does not name.
    :param journal: the journal (*dagboek*) code the entry is booked in.
    """

    creditor_account: str
    vat_accounts: Mapping[str, str] = attrs.field(factory=dict)
    vat_account: str | None = None
    journal: str | None = None

    def vat_account_of(self, code: str | None, invoice: PurchaseInvoice) -> str:
        """The GL account of VAT code ``code``.

        :raises ValidationError: when no account is configured for it.
        """
        account = self.vat_accounts.get(code or "") or self.vat_account
        if account is None:
            message = (
                f"no VAT account for VAT code {code!r}: set vat_accounts.{code} or vat_account"
                if code
                else "a line gives no VAT code, so vat_accounts cannot name its account: "
                "set vat_account"
            )
            raise ValidationError(message, invoice=invoice.id, field="vat_code")
        return account


def journal_entry(
    invoice: PurchaseInvoice,
    settings: LedgerSettings,
    *,
    difference: Decimal = _ZERO,
    difference_account: str | None = None,
    difference_from: str | None = None,
) -> JournalEntry:
    """The balanced journal entry of ``invoice``.

    ``difference`` (with ``difference_account``) is what a match with remainder
    ``book_difference`` books apart: it is taken from the expense on account
    ``difference_from`` (else the largest expense line) and booked on
    ``difference_account``.

    :raises ValidationError: when a line has no GL account, the lines do not add up
        to the invoice's total excluding VAT, or the totals disagree.
    """
    supplier = invoice.supplier
    relation = (supplier.number or supplier.vat_number) if supplier else None
    name = supplier.name if supplier else None
    text = f"{name or relation or 'supplier'}: invoice {invoice.number}"
    expense: dict[str, Decimal] = {}
    vat: dict[tuple[str | None, Decimal | None], Decimal] = {}
    for n, line in enumerate(invoice.lines, start=1):
        if not line.gl_account:
            raise ValidationError(
                f"line {line.number or n} has no GL account (cbc:AccountingCost) to book it on",
                invoice=invoice.id,
                field=f"lines[{n}].gl_account",
            )
        expense[line.gl_account] = expense.get(line.gl_account, _ZERO) + line.amount
        key = (line.vat_code, line.vat_rate)
        vat[key] = vat.get(key, _ZERO) + (line.vat_amount or _ZERO)
    _check_totals(invoice, sum(expense.values(), _ZERO))
    _settle_vat(vat, invoice.total_vat)
    if difference and difference_account:
        source = _difference_source(expense, difference_from)
        expense[source] -= difference
        expense[difference_account] = expense.get(difference_account, _ZERO) + difference
    lines = [
        JournalLine(
            account=settings.creditor_account,
            amount=-invoice.total_incl_vat,
            kind=JournalLineKind.CREDITOR,
            description=text,
            relation=relation,
        )
    ]
    lines.extend(
        JournalLine(account=account, amount=amount, kind=JournalLineKind.OTHER, description=text)
        for account, amount in expense.items()
        if amount
    )
    lines.extend(
        JournalLine(
            account=settings.vat_account_of(code, invoice),
            amount=amount,
            kind=JournalLineKind.VAT,
            description=text,
            vat_code=code,
            vat_rate=rate,
        )
        for (code, rate), amount in vat.items()
        if amount
    )
    return JournalEntry(
        id=invoice.id,
        number=invoice.number,
        entry_date=invoice.issue_date,
        journal=settings.journal,
        description=text,
        reference=invoice.id,
        currency=invoice.currency,
        lines=tuple(lines),
    )


def booked_invoice(
    invoice: PurchaseInvoice,
    *,
    difference: Decimal = _ZERO,
    difference_account: str | None = None,
    difference_from: str | None = None,
) -> PurchaseInvoice:
    """``invoice`` as :func:`journal_entry` books it (with the same arguments): its
    lines, and for a ``difference`` booked apart two more lines without VAT that take
    it off the expense account :func:`journal_entry` takes it from and put it on
    ``difference_account``. The totals stay the invoice's; each GL account's amount is
    the entry's expense on it."""
    if not difference or not difference_account:
        return invoice
    sums: dict[str, Decimal] = {}
    for line in invoice.lines:
        key = line.gl_account or ""
        sums[key] = sums.get(key, _ZERO) + line.amount
    source = _difference_source(sums, difference_from)
    like = next(line for line in invoice.lines if (line.gl_account or "") == source)
    text = f"difference to the commitments, booked on {difference_account}"
    extra = (
        PurchaseInvoiceLine(
            description=text,
            gl_account=source,
            amount=-difference,
            vat_code=like.vat_code,
            vat_rate=like.vat_rate,
            vat_amount=_ZERO,
            project=like.project,
            cost_centre=like.cost_centre,
        ),
        PurchaseInvoiceLine(
            description=text,
            gl_account=difference_account,
            amount=difference,
            vat_code=like.vat_code,
            vat_rate=like.vat_rate,
            vat_amount=_ZERO,
            project=like.project,
            cost_centre=like.cost_centre,
        ),
    )
    return attrs.evolve(invoice, lines=(*invoice.lines, *extra))


def _difference_source(expense: Mapping[str, Decimal], wanted: str | None) -> str:
    """The expense account a difference is taken from: ``wanted``, else the largest."""
    if wanted is not None and wanted in expense:
        return wanted
    return max(expense, key=lambda account: abs(expense[account]))


def _check_totals(invoice: PurchaseInvoice, lines: Decimal) -> None:
    if lines != invoice.total_excl_vat:
        raise ValidationError(
            f"the lines add up to {lines} but the total excluding VAT is "
            f"{invoice.total_excl_vat} (allowances or charges on the document are not booked)",
            invoice=invoice.id,
            field="total_excl_vat",
        )
    if invoice.total_excl_vat + invoice.total_vat != invoice.total_incl_vat:
        raise ValidationError(
            f"total excluding VAT {invoice.total_excl_vat} plus VAT {invoice.total_vat} is not "
            f"the total including VAT {invoice.total_incl_vat}",
            invoice=invoice.id,
            field="total_incl_vat",
        )


def _settle_vat(vat: dict[tuple[str | None, Decimal | None], Decimal], total: Decimal) -> None:
    """Make the VAT per code add up to the document's VAT total (UBL rounds VAT per
    category, koppel per line): the difference goes to the largest VAT amount."""
    rest = total - sum(vat.values(), _ZERO)
    if not rest:
        return
    if not vat:
        vat[(None, None)] = rest
        return
    largest = max(vat, key=lambda key: abs(vat[key]))
    vat[largest] += rest
