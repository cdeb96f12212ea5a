"""Money arithmetic: rounding to cents and splitting an amount without losing a cent."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "ZERO", "allocate", "round_money"]

#: The smallest unit koppel books: amounts are rounded to two decimals.
CENT = Decimal("0.01")
ZERO = Decimal(0)


def round_money(amount: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` to cents; half a cent rounds away from zero unless ``rounding`` says so.

    >>> round_money(Decimal("1.725"))
    Decimal('1.73')
    """
    return amount.quantize(CENT, rounding=rounding)


def allocate(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Round ``shares`` to cents so that they sum to ``total`` exactly.

    ``shares`` are the unrounded parts (for example each line's exact VAT),
    summing to about ``total``. Each is rounded half away from zero; the
    cents still missing or extra go, one at a time, to the shares that
    rounding moved furthest the other way (largest-remainder method). Signs
    may be mixed.

    >>> allocate(Decimal("1.00"), [Decimal(1) / 3] * 3)
    [Decimal('0.34'), Decimal('0.33'), Decimal('0.33')]
    """
    if total != round_money(total):
        raise ValueError(f"allocate needs a whole number of cents, got {total}")
    if not shares:
        if total:
            raise ValueError(f"cannot allocate {total} over no parts")
        return []
    parts = [round_money(share) for share in shares]
    left = int((total - sum(parts, ZERO)) / CENT)
    step = CENT if left > 0 else -CENT
    # Shares that rounding pushed furthest against the needed direction come first.
    order = sorted(range(len(parts)), key=lambda i: (-(shares[i] - parts[i]) * step, i))
    for n in range(abs(left)):
        parts[order[n % len(order)]] += step
    return parts
