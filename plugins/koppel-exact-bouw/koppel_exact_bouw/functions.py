"""Mapping functions for Heimdall's texts (hook ``mapping_functions``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["FUNCTIONS", "distinct", "invoice_kind", "plain_text"]

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


def distinct(*values: Any) -> list[str]:
    """The texts in ``values`` (each a text or a list of them), once each, in order; empty
    ones and nulls left out: ``distinct(deliveryTicket.number, lines[].x.ticketNumber)``."""
    found: list[str] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            text = "" if item is None else str(item).strip()
            if text and text not in found:
                found.append(text)
    return found


def invoice_kind(total: Any) -> str:
    """``credit_note`` for a purchase invoice whose ``total`` is below 0, else ``invoice``
    (Heimdall has no credit flag on purchase invoices; a credit's amounts are ASSUMED
    negative)."""
    try:
        negative = Decimal(str(total)) < 0
    except (InvalidOperation, ValueError):
        negative = False
    return "credit_note" if negative else "invoice"


#: The functions this plugin adds to mapping expressions.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "distinct": distinct,
    "invoice_kind": invoice_kind,
    "plain_text": plain_text,
}
