"""Mapping functions for Heimdall's texts (hook ``mapping_functions``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

__all__ = ["FUNCTIONS", "plain_text"]

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\b[^>]*>", re.IGNORECASE)


def plain_text(value: Any) -> str | None:
    """A Heimdall description, which "may contain HTML content" (SDK), as plain text:
    tags dropped, breaks and paragraphs as one space, entities decoded, spaces collapsed."""
    if value is None:
        return None
    text = _TAG.sub("", _BREAK.sub(" ", str(value)))
    text = " ".join(html.unescape(text).split())
    return text or None


#: The functions this plugin adds to mapping expressions.
FUNCTIONS: dict[str, Callable[..., Any]] = {"plain_text": plain_text}
