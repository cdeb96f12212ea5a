"""Articles (*artikelen*): the flow filters reads take, and every article code read once
per run for the lookups writes need (does an order line's article exist?)."""

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
    """Every article code, and each EAN's article code, read once per run."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.codes: set[str] = set()
        self.eans: dict[str, str] = {}
        for row in rows:
            code = str(row["ART_CODE"]).strip()
            self.codes.add(code)
            if row.get("EAN_CODE"):
                self.eans.setdefault(str(row["EAN_CODE"]).strip(), code)

    @classmethod
    def of(cls, session: Session) -> ArticleIndex:
        """The run's index, read on first use by one thread while the others wait."""
        fields = ("ART_CODE", "EAN_CODE")
        index: ArticleIndex = session.cached(
            "articles", lambda: cls(session.client.rows(ARTICLES, fields=fields, sort="ART_CODE"))
        )
        return index

    def code(self, field: str, value: str) -> str | None:
        """The code of the article whose ``field`` (``ART_CODE``, ``EAN_CODE``) is ``value``."""
        text = value.strip()
        code = self.eans.get(text) if field == "EAN_CODE" else text
        return code if code in self.codes else None
