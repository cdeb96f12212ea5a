"""Articles (``AK1``) as products: read by change date, found by SKU or EAN."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.connector import Resource
from koppel.sync import (
    Ambiguous,
    SourceRecord,
    TargetRecord,
    one_match,
    read_each,
    read_id,
    read_text,
)
from koppel_accountview import schema
from koppel_accountview.articles import FILTER_TEXTS, ArticleIndex, article_filters
from koppel_accountview.client import Filter, foxpro_datetime
from koppel_accountview.schema import ARTICLES


class Products(Resource):
    """Articles changed since the cursor, oldest change first.

    Read with ``CNG_DATE`` on or after the cursor: the record at the cursor
    comes again, and its content hash makes it a skip.
    """

    entity = "products"
    match_keys = {"sku": "ART_CODE", "ean": "EAN_CODE"}
    description = "articles (AK1) with item attributes"
    filters = FILTER_TEXTS

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        conditions = article_filters(filters)
        if cursor:
            since = foxpro_datetime(cursor)
            conditions.append(Filter("CNG_DATE", since, schema.CHANGED_SINCE_OPERATOR, type="T"))
        rows = self.client.rows(ARTICLES, filters=conditions, sort="CNG_DATE")
        return read_each(rows, self.record, id_field="ART_CODE")

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        return SourceRecord(
            id=read_id(row, "ART_CODE"), data=row, cursor=read_text(row, "CNG_DATE")
        )

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Existing articles, read by key when few are asked for (else from the kept
        index); an EAN several articles share is :class:`~koppel.sync.Ambiguous`, lowest
        article code first."""
        articles = ArticleIndex.of(self.session)
        field = self.match_keys[match_key]
        articles.look_up(field, values)
        found: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            codes = articles.codes_of(field, value)
            match = one_match(TargetRecord(id=code, data={"ART_CODE": code}) for code in codes)
            if match is not None:
                found[value] = match
        return found
