"""The cursor of an entity read through several Sync API feeds: its own, a second one
(products: their sales prices; orders: their lines) and ``sync/Deleted``.

Stored as ``sync:<n>[;<second>:<n>][;deleted:<n>]`` (``sync:<n>;prices:<n>;deleted:<n>``
for products) with every Timestamp 19 digits wide, so two cursors of one entity
compare as text in the order the engine needs (its own feed first, then the
second, then deletions). A plain number, the cursor this plugin stored before it
read more than one feed, is still taken as the position in the entity's own feed
(the others are then read from their start).
"""

from __future__ import annotations

import re

import attrs

from koppel.errors import ConfigurationError
from koppel_exact_online.client import SYSTEM

__all__ = ["FeedCursor"]

_WIDTH = 19  # an Edm.Int64 has at most 19 digits
_PART = re.compile(r"^([a-z]+):(\d+)$")


@attrs.frozen
class FeedCursor:
    """Where an entity's reads stand: the highest Timestamp of its own feed (None: a first
    read), of its ``second`` feed named ``label`` (None: not read yet) and of
    ``sync/Deleted`` (None: its deletions were never read). Parts that are None are
    left out of the text; a second feed not read yet stands at its start (0)."""

    main: int | None = None
    deleted: int | None = None
    second: int | None = None
    label: str | None = None

    @classmethod
    def parse(cls, cursor: str | None, *, second: str | None = None) -> FeedCursor:
        """The cursor the engine stored (or None on a first read); ``second`` names the
        entity's second feed (``prices``, ``lines``), if it has one.

        :raises ConfigurationError: naming the cursor when it is no such text.
        """
        start = 0 if second else None
        text = (cursor or "").strip()
        if not text:
            return cls(second=start, label=second)
        if text.isdigit():
            return cls(main=int(text), second=start, label=second)
        parts: dict[str, int] = {}
        for part in text.split(";"):
            match = _PART.match(part)
            if match is None or match[1] not in ("sync", "deleted", second):
                raise ConfigurationError(
                    f"the stored cursor {text!r} is neither a Sync API Timestamp nor "
                    + f"'sync:<n>[;{second or 'prices'}:<n>][;deleted:<n>]'; read again "
                    + "from the start (koppel run --full)",
                    system=SYSTEM,
                    field="cursor",
                )
            parts[match[1]] = int(match[2])
        return cls(
            main=parts.get("sync"),
            deleted=parts.get("deleted"),
            second=parts.get(second, start) if second else None,
            label=second,
        )

    def __str__(self) -> str:
        parts = [f"sync:{self.main or 0:0{_WIDTH}d}"]
        if self.label and self.second is not None:
            parts.append(f"{self.label}:{self.second:0{_WIDTH}d}")
        if self.deleted is not None:
            parts.append(f"deleted:{self.deleted:0{_WIDTH}d}")
        return ";".join(parts)
