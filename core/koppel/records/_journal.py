"""Journal entries (financial mutations, *memoriaalboekingen*)."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs


class JournalLineKind(enum.StrEnum):
    """What a journal line books; lets targets and tests tell the lines apart.

    A ``DEBTOR`` line books on the debtor its ``relation`` names (*debiteur*), a
    ``CREDITOR`` line on the creditor it names (*crediteur*: a purchase booking's
    supplier); a target books the relation of a line of any other kind as it is.
    """

    DEBTOR = "debtor"
    CREDITOR = "creditor"
    REVENUE = "revenue"
    VAT = "vat"
    SHIPPING = "shipping"
    FEE = "fee"
    DISCOUNT = "discount"
    ROUNDING = "rounding"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class JournalLine:
    """One line of a journal entry: debit positive, credit negative.

    ``amount`` is in the entry's currency; ``amount_company`` in the company
    currency when that differs.
    """

    account: str
    amount: Decimal
    kind: JournalLineKind = JournalLineKind.OTHER
    description: str | None = None
    vat_code: str | None = None
    vat_rate: Decimal | None = None
    relation: str | None = None
    amount_company: Decimal | None = None


@attrs.frozen(kw_only=True)
class JournalEntry:
    """A balanced journal entry: its lines sum to zero."""

    id: str | None = None
    number: str | None = None
    entry_date: date | None = None
    journal: str | None = None
    description: str | None = None
    reference: str | None = None
    currency: str = "EUR"
    exchange_rate: Decimal | None = None
    lines: tuple[JournalLine, ...] = ()

    @property
    def balance(self) -> Decimal:
        """Sum of the lines in the entry's currency; zero for a balanced entry."""
        return sum((line.amount for line in self.lines), Decimal(0))
