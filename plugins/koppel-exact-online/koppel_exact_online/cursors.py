"""The cursor of an entity read through several Sync API feeds: its own, for products
that of their sales prices, and ``sync/Deleted``.

Stored as ``sync:<n>;deleted:<n>`` (products: ``sync:<n>;prices:<n>;deleted:<n>``)
with every Timestamp 19 digits wide, so two cursors of one entity compare as
text in the order the engine needs (its own feed first, then prices, then
deletions). A plain number, the cursor this plugin stored before it read
deletions, is still taken as the position in the entity's own feed (its
deletions are then read from the start of Exact's two-month log).
"""

from __future__ import annotations

import re

import attrs

from koppel.errors import ConfigurationError
from koppel_exact_online.client import SYSTEM

__all__ = ["FeedCursor"]

_WIDTH = 19  # an Edm.Int64 has at most 19 digits
_COMPOSITE = re.compile(r"^sync:(\d+);(?:prices:(\d+);)?deleted:(\d+)$")


@attrs.frozen
class FeedCursor:
    """Where an entity's reads stand: the highest Timestamp of its own feed (None: a first
    read), of its prices' feed (None: it has none) and of ``sync/Deleted`` (None: its
    deletions were never read)."""

    main: int | None = None
    deleted: int | None = None
    prices: int | None = None

    @classmethod
    def parse(cls, cursor: str | None, *, prices: bool = False) -> FeedCursor:
        """The cursor the engine stored (or None on a first read); with ``prices``, one
        that has no prices' position yet stands at their start.

        :raises ConfigurationError: naming the cursor when it is neither form.
        """
        start = 0 if prices else None
        text = (cursor or "").strip()
        if not text:
            return cls(prices=start)
        if text.isdigit():
            return cls(main=int(text), prices=start)
        match = _COMPOSITE.match(text)
        if match is None:
            raise ConfigurationError(
                f"the stored cursor {text!r} is neither a Sync API Timestamp nor "
                + "'sync:<n>;[prices:<n>;]deleted:<n>'; read again from the start "
                + "(koppel run --full)",
                system=SYSTEM,
                field="cursor",
            )
        found = int(match[2]) if match[2] is not None else start
        return cls(main=int(match[1]), deleted=int(match[3]), prices=found)

    def __str__(self) -> str:
        prices = "" if self.prices is None else f"prices:{self.prices:0{_WIDTH}d};"
        return f"sync:{self.main or 0:0{_WIDTH}d};{prices}deleted:{self.deleted or 0:0{_WIDTH}d}"
