"""Articles (*artikelen*): the flow filters reads take, and the lookups writes need (does
an order line's article exist?): by key when few are wanted, else from the kept index.

An EAN several articles share is kept with all of them, lowest article code first."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from koppel.connector import Session
from koppel_accountview.client import BATCH, Filter
from koppel_accountview.kept import KeptIndex
from koppel_accountview.schema import ARTICLES

__all__ = ["FILTERS", "FILTER_TEXTS", "ArticleIndex", "article_filters"]

#: The flow filters products and stock take (``Resource.filters``: core refuses any
#: other key), and the article field each filters on.
FILTERS = {"article_group": "AG_CODE"}
#: The most values looked up by key before the whole index is read instead: 20 filtered
#: reads, as many as a whole read of 2,000 articles (at 100 a page) costs.
BY_KEY = 20 * BATCH
#: The article fields the lookups keep, and the kept index's name.
_FIELDS = ("ART_CODE", "EAN_CODE")
_KEPT = "ak1-index"
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
    """Article codes and each EAN's article codes (lowest first), as far as looked up.

    Few values are looked up by key (filtered reads of :data:`~koppel_accountview.client.BATCH`
    values); many, or any once the index is kept, come from the whole article index
    kept between runs (:class:`~koppel_accountview.kept.KeptIndex`: read in full once a
    day, otherwise only the articles changed since). What was looked up is remembered
    for the run, found or not.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.codes: set[str] = set()
        self.eans: dict[str, list[str]] = {}
        self._asked: dict[str, set[str]] = {"ART_CODE": set(), "EAN_CODE": set()}
        self._whole = False
        self._kept: bool | None = None
        self._lock = threading.RLock()

    @classmethod
    def of(cls, session: Session) -> ArticleIndex:
        """The run's lookups, made on first use."""
        index: ArticleIndex = session.cached("articles", lambda: cls(session))
        return index

    def _add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            code = str(row["ART_CODE"]).strip()
            self.codes.add(code)
            ean = str(row.get("EAN_CODE") or "").strip()
            if ean and code not in self.eans.get(ean, []):
                self.eans[ean] = sorted([*self.eans.get(ean, []), code])

    def look_up(self, field: str, values: Iterable[str]) -> None:
        """Make sure the articles whose ``field`` (``ART_CODE``, ``EAN_CODE``) is one of
        ``values`` are known (read by key, or the kept index when many are wanted)."""
        session = self.session
        with self._lock:
            todo = sorted({v.strip() for v in values if v and v.strip()} - self._asked[field])
            if not todo or self._whole:
                return
            if self._kept is None:
                self._kept = KeptIndex(session, ARTICLES, _FIELDS, name=_KEPT).stored()
            if len(todo) > BY_KEY or self._kept:
                kept = KeptIndex.of(session, ARTICLES, _FIELDS, name=_KEPT)
                self._add(kept.rows.values())
                self._whole = True
                return
            client = session.client
            for start in range(0, len(todo), BATCH):
                chunk = todo[start : start + BATCH]
                self._add(client.rows(ARTICLES, fields=_FIELDS, filters=[Filter(field, chunk)]))
            self._asked[field].update(todo)

    def codes_of(self, field: str, value: str) -> list[str]:
        """The codes of the articles whose ``field`` (``ART_CODE``, ``EAN_CODE``) is
        ``value``, lowest first: one at most by code (the key), any number by EAN."""
        text = value.strip()
        self.look_up(field, [text])
        if field == "EAN_CODE":
            return list(self.eans.get(text, ()))
        return [text] if text in self.codes else []
