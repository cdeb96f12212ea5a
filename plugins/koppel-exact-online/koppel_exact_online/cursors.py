"""The cursor of an entity read through two Sync API feeds: its own and ``sync/Deleted``.

Stored as ``sync:<n>;deleted:<n>`` with both Timestamps 19 digits wide, so two
cursors of one entity compare as text in the order the engine needs (its own
feed first, then the deletions). A plain number, the cursor this plugin stored
before it read deletions, is still taken as the position in the entity's own
feed (its deletions are then read from the start of Exact's two-month log).
"""

from __future__ import annotations

import re

import attrs

from koppel.errors import ConfigurationError
from koppel_exact_online.client import SYSTEM

__all__ = ["FeedCursor"]

_WIDTH = 19  # an Edm.Int64 has at most 19 digits
_COMPOSITE = re.compile(r"^sync:(\d+);deleted:(\d+)$")


@attrs.frozen
class FeedCursor:
    """Where an entity's reads stand: the highest Timestamp of its own feed (None: a first
    read) and of ``sync/Deleted`` (None: its deletions were never read)."""

    main: int | None = None
    deleted: int | None = None

    @classmethod
    def parse(cls, cursor: str | None) -> FeedCursor:
        """The cursor the engine stored (or None on a first read).

        :raises ConfigurationError: naming the cursor when it is neither form.
        """
        text = (cursor or "").strip()
        if not text:
            return cls()
        if text.isdigit():
            return cls(main=int(text))
        match = _COMPOSITE.match(text)
        if match is None:
            raise ConfigurationError(
                f"the stored cursor {text!r} is neither a Sync API Timestamp nor "
                + "'sync:<n>;deleted:<n>'; read again from the start (koppel run --full)",
                system=SYSTEM,
                field="cursor",
            )
        return cls(main=int(match[1]), deleted=int(match[2]))

    def __str__(self) -> str:
        return f"sync:{self.main or 0:0{_WIDTH}d};deleted:{self.deleted or 0:0{_WIDTH}d}"
