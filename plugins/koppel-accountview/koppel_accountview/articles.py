"""Articles (*artikelen*): the flow filters reads take, and every article code read once
per run for the lookups writes need (does an order line's article exist?).

An EAN several articles share is kept with all of them, lowest article code first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.connector import Session
from koppel_accountview.client import Filter
from koppel_accountview.schema import ARTICLES

__all__ = ["FILTERS", "FILTER_TEXTS", "ArticleIndex", "article_filters"]

#: The flow filters products and stock take (``Resource.filters``: core refuses any
#: other key), and the article field each filters on.
FILTERS = {"article_group": "AG_CODE"}
#: What each of :data:`FILTERS` selects, for ``koppel plugins show``.
FILTER_TEXTS = {"article_group": "articles of this article group (AG_CODE), or of any in a list"}


def article_filters(filters: Mapping[str, Any]) -> list[Filter]:
    """The flow's ``filters`` of a read of products or stock as conditions on articles
    (core has refused any key not in :data:`FILTERS` before the run)."""
    found = []
    for key, field in FILTERS.items():
        value = filters.get(key)
        if value is None:
            continue
        found.append(Filter(field, [value] if isinstance(value, str) else [str(v) for v in value]))
    return found


class ArticleIndex:
    """Every article code, and each EAN's article codes (lowest first), read once per run."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.codes: set[str] = set()
        eans: dict[str, set[str]] = {}
        for row in rows:
            code = str(row["ART_CODE"]).strip()
            self.codes.add(code)
            ean = str(row.get("EAN_CODE") or "").strip()
            if ean:
                eans.setdefault(ean, set()).add(code)
        self.eans: dict[str, list[str]] = {ean: sorted(codes) for ean, codes in eans.items()}

    @classmethod
    def of(cls, session: Session) -> ArticleIndex:
        """The run's index, read on first use by one thread while the others wait."""
        fields = ("ART_CODE", "EAN_CODE")
        index: ArticleIndex = session.cached(
            "articles", lambda: cls(session.client.rows(ARTICLES, fields=fields, sort="ART_CODE"))
        )
        return index

    def codes_of(self, field: str, value: str) -> list[str]:
        """The codes of the articles whose ``field`` (``ART_CODE``, ``EAN_CODE``) is
        ``value``, lowest first: one at most by code (the key), any number by EAN."""
        text = value.strip()
        if field == "EAN_CODE":
            return list(self.eans.get(text, ()))
        return [text] if text in self.codes else []
