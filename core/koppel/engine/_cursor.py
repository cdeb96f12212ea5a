"""Ordering opaque source cursors, and keeping a run's stored cursor from going back.

Cursors are strings only the source understands, but ``fetch_records`` promises
records oldest first, so the cursors it yields must not decrease. Two cursors
compare as numbers when both parse as numbers (Exact Online's Sync API
timestamps), else as ISO 8601 date-times when both parse (a naive one taken as
UTC), else as strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["CursorGuard", "compare_cursors"]


def _number(text: str) -> int | Decimal | None:
    if ":" in text:  # a time of day: no number, and no exception raised to know it
        return None
    try:
        return int(text)  # the common case, and quick
    except ValueError:
        pass
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _moment(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def compare_cursors(a: str, b: str) -> int:
    """-1, 0 or 1 as cursor ``a`` is older than, as new as, or newer than ``b``."""
    left: Any
    right: Any
    left, right = _number(a), _number(b)
    if left is None or right is None:
        left, right = _moment(a), _moment(b)
        if left is None or right is None:
            left, right = a, b
    if left < right:
        return -1
    return 1 if left > right else 0


class CursorGuard:
    """Tracks the newest cursor of a run so the stored cursor never goes back.

    :meth:`seen` is told every fresh source record's cursor in source order and
    says whether it is older than one seen before it; :meth:`to_store` turns the
    cursor after a finished chunk into the one to store (None: keep the stored one).
    """

    def __init__(self) -> None:
        self.newest: str | None = None
        self.stored: str | None = None

    def seen(self, cursor: str | None) -> bool:
        """Note ``cursor``; False when it is older than the newest seen before it."""
        if cursor is None or cursor == self.newest:
            return True
        if self.newest is not None and compare_cursors(cursor, self.newest) < 0:
            return False
        self.newest = cursor
        return True

    def to_store(self, cursor: str | None) -> str | None:
        """``cursor`` unless it is None or older than the one this run stored last."""
        if cursor is None:
            return None
        if self.stored is not None and compare_cursors(cursor, self.stored) < 0:
            return None
        self.stored = cursor
        return cursor
