"""Reading AccountView: articles and stock for a flow, and the per-run lookups writes need.

Lookups are batched and kept in the connection's run cache: every debtor's
e-mail address is read once per run (one paged read, not one query per
order), as is every article code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError
from koppel.sync import Connection, SourceRecord, TargetRecord, read_each, read_id, read_text
from koppel_accountview import schema
from koppel_accountview.client import AccountViewClient, Filter, foxpro_datetime
from koppel_accountview.schema import ARTICLES, DEBTORS, JOURNAL_PAGES, SALES_ORDERS

__all__ = ["ArticleIndex", "DebtorIndex", "fetch", "find"]

#: The flow filters products and stock take, and the article field each filters on.
ARTICLE_FILTERS = {"article_group": "AG_CODE"}
#: How many match values go into one list filter.
BATCH = 50


def _filters(entity: str, filters: Mapping[str, Any]) -> list[Filter]:
    found = []
    for key, value in filters.items():
        field = ARTICLE_FILTERS.get(key)
        if field is None:
            known = ", ".join(ARTICLE_FILTERS)
            raise ConfigurationError(
                f"AccountView {entity} take no filter {key!r}; known filters: {known}",
                field=f"filters.{key}",
            )
        values = [value] if isinstance(value, str) else [str(v) for v in value]
        found.append(Filter(field, values))
    return found


def fetch(
    connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterator[SourceRecord]:
    """Articles (``products``) changed since ``cursor``, or every article's ``stock``.

    Products are read oldest change first with ``CNG_DATE`` on or after the
    cursor (the record at the cursor comes again; its content hash makes it a
    skip). Stock is read in full each run: a stock movement need not change
    the article's ``CNG_DATE``.
    """
    client = AccountViewClient.from_connection(connection)
    conditions = _filters(entity, filters)
    if entity == "products":
        if cursor:
            conditions.append(
                Filter("CNG_DATE", foxpro_datetime(cursor), schema.CHANGED_SINCE_OPERATOR, type="T")
            )
        rows = client.rows(ARTICLES, filters=conditions, sort="CNG_DATE")
        yield from read_each(
            rows,
            lambda row: SourceRecord(
                id=read_id(row, "ART_CODE"), data=row, cursor=read_text(row, "CNG_DATE")
            ),
            id_field="ART_CODE",
        )
    elif entity == "stock":
        fields = ("ART_CODE", "QTY_AVAIL", "QTY_RES_SO")
        rows = client.rows(ARTICLES, fields=fields, filters=conditions, sort="ART_CODE")
        yield from read_each(
            rows,
            lambda row: SourceRecord(id=read_id(row, "ART_CODE"), data=row),
            id_field="ART_CODE",
        )
    else:
        raise ConfigurationError(f"AccountView cannot read {entity!r}; it reads products, stock")


def email_key(value: Any) -> str | None:
    """An e-mail address as it is matched: trimmed, lower-case; None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def _index_lock(connection: Connection) -> threading.RLock:
    """One lock per connection and run, so a run-wide index is read only once."""
    lock: threading.RLock = connection.cache.setdefault("accountview.index_lock", threading.RLock())
    return lock


class DebtorIndex:
    """Every debtor by e-mail address and number, read once per run."""

    CACHE_KEY = "accountview.debtors"

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.by_number: dict[str, dict[str, Any]] = {}
        self.by_email: dict[str, dict[str, Any]] = {}
        self._reserved: set[int] = set()
        self._lock = threading.Lock()
        for row in rows:
            self.add(row)

    @classmethod
    def of(cls, connection: Connection) -> DebtorIndex:
        """The run's index, read on first use by one thread while the others wait."""
        with _index_lock(connection):
            index = connection.cache.get(cls.CACHE_KEY)
            if not isinstance(index, DebtorIndex):
                client = AccountViewClient.from_connection(connection)
                index = cls(list(client.rows(DEBTORS, sort="SUB_NR")))
                connection.cache[cls.CACHE_KEY] = index
            return index

    def add(self, row: dict[str, Any]) -> None:
        """Index a debtor read or just written."""
        number = str(row.get("SUB_NR") or "")
        if not number:
            return
        merged = {**self.by_number.get(number, {}), **row}
        self.by_number[number] = merged
        email = email_key(merged.get("MAIL_BUS"))
        if email and email not in self.by_email:
            self.by_email[email] = merged

    def next_number(self, start: int) -> str:
        """Reserve the next free numeric debtor number at or above ``start``.

        Writes run on several threads: a number handed out is never handed out
        again in this run, so two new debtors cannot get (and overwrite) one number.
        """
        with self._lock:
            numbers = [int(n) for n in self.by_number if n.isdigit()]
            number = max([start - 1, *numbers, *self._reserved]) + 1
            self._reserved.add(number)
            return str(number)


class ArticleIndex:
    """Every article code, and each EAN's article code, read once per run."""

    CACHE_KEY = "accountview.articles"

    def __init__(self, codes: set[str], eans: dict[str, str]) -> None:
        self.codes = codes
        self.eans = eans

    @classmethod
    def of(cls, connection: Connection) -> ArticleIndex:
        """The run's index, read on first use by one thread while the others wait."""
        with _index_lock(connection):
            index = connection.cache.get(cls.CACHE_KEY)
            if not isinstance(index, ArticleIndex):
                client = AccountViewClient.from_connection(connection)
                codes: set[str] = set()
                eans: dict[str, str] = {}
                rows = client.rows(ARTICLES, fields=("ART_CODE", "EAN_CODE"), sort="ART_CODE")
                for row in rows:
                    code = str(row["ART_CODE"]).strip()
                    codes.add(code)
                    if row.get("EAN_CODE"):
                        eans.setdefault(str(row["EAN_CODE"]).strip(), code)
                index = cls(codes, eans)
                connection.cache[cls.CACHE_KEY] = index
            return index


def _by_field(
    client: AccountViewClient, table: schema.Table, field: str, values: Sequence[str]
) -> dict[str, TargetRecord]:
    found: dict[str, TargetRecord] = {}
    for start in range(0, len(values), BATCH):
        chunk = list(values[start : start + BATCH])
        for row in client.rows(table, filters=[Filter(field, chunk)]):
            value = str(row.get(field) or "").strip()
            if value in chunk and value not in found:
                found[value] = TargetRecord(id=str(row[table.key]), data=row)
    return found


def find(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> dict[str, TargetRecord]:
    """Existing records of ``entity`` by match-key value (see :func:`find_existing`)."""
    if entity == "customers" and match_key == "email":
        index = DebtorIndex.of(connection)
        return {
            value: TargetRecord(id=str(row["SUB_NR"]), data=row)
            for value in values
            if (row := index.by_email.get(email_key(value) or "")) is not None
        }
    if entity == "products" and match_key in ("sku", "ean"):
        # The engine asks this before it writes an order: do its lines' articles exist?
        articles = ArticleIndex.of(connection)
        codes = {v: v.strip() for v in values} if match_key == "sku" else {}
        if match_key == "ean":
            codes = {v: articles.eans[v.strip()] for v in values if v.strip() in articles.eans}
        return {
            value: TargetRecord(id=code, data={"ART_CODE": code})
            for value, code in codes.items()
            if code in articles.codes
        }
    client = AccountViewClient.from_connection(connection)
    if entity == "orders" and match_key == "number":
        found = _by_field(client, SALES_ORDERS, "ORD_REF", values)
        rest = [v for v in values if v not in found]
        if rest:
            found.update(_by_field(client, JOURNAL_PAGES, "INV_NR", rest))
        return found
    if entity in ("journal_entries", "invoices") and match_key == "number":
        return _by_field(client, JOURNAL_PAGES, "INV_NR", values)
    return {}
