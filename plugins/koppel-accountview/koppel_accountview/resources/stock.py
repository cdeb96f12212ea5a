"""Every article's stock: available (``QTY_AVAIL``) and sales reservations (``QTY_RES_SO``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from koppel.connector import Resource
from koppel.sync import SourceRecord, read_each, read_id
from koppel_accountview.articles import FILTER_TEXTS, article_filters
from koppel_accountview.schema import ARTICLES


class Stock(Resource):
    """Read in full each run: a stock movement need not change an article's ``CNG_DATE``."""

    entity = "stock"
    match_keys = {"sku": "ART_CODE"}
    description = "article stock"
    filters = FILTER_TEXTS

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        fields = ("ART_CODE", "QTY_AVAIL", "QTY_RES_SO")
        conditions = article_filters(filters)
        rows = self.client.rows(ARTICLES, fields=fields, filters=conditions, sort="ART_CODE")
        return read_each(rows, self.record, id_field="ART_CODE")

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        return SourceRecord(id=read_id(row, "ART_CODE"), data=row)
