"""Balancing a journal entry: company-currency amounts, the rounding line, the final check."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import attrs

from koppel.accounting._money import CENT, ZERO, round_money
from koppel.errors import ValidationError
from koppel.records import JournalEntry, JournalLine, JournalLineKind

__all__ = ["check_balanced", "convert_lines"]


def convert_lines(
    lines: Sequence[JournalLine],
    rate: Decimal,
    *,
    rounding_account: str,
    rounding: str = ROUND_HALF_UP,
) -> tuple[JournalLine, ...]:
    """Add company-currency amounts (``amount x rate``, to the cent) to balanced ``lines``.

    Rounding each line on its own can leave the company-currency side a few
    cents off (at most half a cent per line). That difference is booked on the
    rounding line (amount 0 in the transaction currency when the entry has
    none yet), so both currencies balance.
    """
    if rate <= 0:
        raise ValueError(f"exchange rate must be positive, got {rate}")
    converted = [
        attrs.evolve(line, amount_company=round_money(line.amount * rate, rounding))
        for line in lines
    ]
    difference = sum((line.amount_company or ZERO for line in converted), ZERO)
    if not difference:
        return tuple(converted)
    for i, line in enumerate(converted):
        if line.kind is JournalLineKind.ROUNDING and line.account == rounding_account:
            converted[i] = attrs.evolve(
                line, amount_company=(line.amount_company or ZERO) - difference
            )
            return tuple(converted)
    converted.append(
        JournalLine(
            account=rounding_account,
            amount=ZERO,
            amount_company=-difference,
            kind=JournalLineKind.ROUNDING,
            description="currency rounding",
        )
    )
    return tuple(converted)


def check_balanced(entry: JournalEntry) -> JournalEntry:
    """Return ``entry`` if its lines sum to zero in every currency they carry.

    Every amount must be whole cents; when any line has a company-currency
    amount, all must.

    :raises ValidationError: showing the imbalance; an unbalanced entry is never posted.
    """
    reference = entry.reference or entry.number or entry.id
    for line in entry.lines:
        for value in (line.amount, line.amount_company):
            if value is not None and value != value.quantize(CENT):
                raise ValidationError(
                    f"journal line on {line.account} has {value}, not whole cents",
                    record=reference,
                    entity="journal_entries",
                )
    if entry.balance:
        raise ValidationError(
            f"journal entry does not balance: lines sum to {entry.balance} {entry.currency}",
            record=reference,
            entity="journal_entries",
        )
    company = [line.amount_company for line in entry.lines]
    if any(value is not None for value in company):
        if any(value is None for value in company):
            raise ValidationError(
                "journal entry has company-currency amounts on some lines only",
                record=reference,
                entity="journal_entries",
            )
        total = sum((value or ZERO for value in company), ZERO)
        if total:
            raise ValidationError(
                f"journal entry does not balance in the company currency: lines sum to {total}",
                record=reference,
                entity="journal_entries",
            )
    return entry
