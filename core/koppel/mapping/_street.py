"""``split_street``: a Dutch street line -> street, house number and addition.

The house number is the last number in the line that is followed by nothing
but a short addition, so numbers inside street names survive::

    "Hoofdstraat 12a"          -> Hoofdstraat | 12 | a
    "Laan 1940-1945 3 bis"     -> Laan 1940-1945 | 3 | bis
    "2e Jan Steenstraat 7-II"  -> 2e Jan Steenstraat | 7 | II
    "Dorpsplein"               -> Dorpsplein | null | null
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["split_street"]

_ADDRESS = re.compile(
    r"""^(?P<street>.*?\S)\s*,?\s+            # the street: anything up to the last number
        (?P<number>\d{1,6})                   # the house number
        (?:\s*[-/]?\s*                        # an optional separator
           (?P<addition>[^\W\d_][\w]{0,7}|\d{1,4}[^\W\d_]{0,3}|[^\W\d_]+\s?\d{1,3})
        )?\s*$""",
    re.VERBOSE,
)


def split_street(value: Any) -> dict[str, str | None] | None:
    """Split a street line into ``{"street", "number", "addition"}``; null gives null.

    A line without a house number is all street. Whitespace is tidied.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a street line, got {type(value).__name__} {value!r}")
    split = _split_cached if len(value) <= _CACHED_LENGTH else _split
    street, number, addition = split(value)
    return {"street": street, "number": number, "addition": addition}


def _split(value: str) -> tuple[str | None, str | None, str | None]:
    text = " ".join(value.split()).strip(" ,;")
    match = _ADDRESS.match(text)
    if match is None:
        return text or None, None, None
    return match["street"].rstrip(","), match["number"], match["addition"]


#: A mapping often splits one line for several fields, and many records share a line.
_split_cached = functools.lru_cache(maxsize=4096)(_split)
_CACHED_LENGTH = 200
