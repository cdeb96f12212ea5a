"""Articles (``/v2/articles``), by number (SKU) or barcode (EAN), with their VAT rate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_each,
    read_id,
    read_moment,
)
from koppel_eaccounting.payloads import checked, clean, result, writable
from koppel_eaccounting.resources._base import EAccountingResource

__all__ = ["Products"]


class Products(EAccountingResource):
    """Read by ``ChangedUtc`` with ``VatRatePercent`` from the article's account coding."""

    entity = "products"
    match_keys = {"sku": "Number", "ean": "Barcodes"}
    description = "articles, by number (SKU) or barcode (EAN)"
    filters = {"active": "true: active articles only; false: inactive ones only"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        articles = self.client.changed_since(
            "articles", "ChangedUtc", cursor, filter=self.active_filter(filters)
        )
        return read_each(
            articles,
            lambda article: SourceRecord(
                id=read_id(article, "Id"),
                data=self.company.with_vat_rate(article),
                cursor=read_moment(article, "ChangedUtc"),
            ),
            id_field="Id",
        )

    def active_filter(self, filters: Mapping[str, Any]) -> str | None:
        """The ``$filter`` clause of the flow's ``active`` filter, if it has one."""
        if filters.get("active") is None:
            return None
        return f"IsActive eq {'true' if filters['active'] else 'false'}"

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Articles by number (SKU), read by key, or by any of their barcodes (EAN), from
        the whole list; trimmed; a value several articles share answers all of them, lowest
        article number first."""
        company = self.company
        if match_key == "ean":
            index = company.articles_by_ean()
        else:
            index = company.articles_by_number(values)
        found = {
            value: one_match(
                TargetRecord(id=str(a["Id"]), data=a) for a in index.get(str(value).strip(), [])
            )
            for value in values
        }
        return {value: match for value, match in found.items() if match is not None}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create an article with its unit and account coding (``_unit``, ``_vat_rate``,
        ``_vat_code``), or replace it with the mapped fields laid over the current one."""
        company, body = self.company, clean(payload)
        context = {"entity": self.entity, "record": payload.get("Number")}
        unit, coding = payload.get("_unit"), (payload.get("_vat_rate"), payload.get("_vat_code"))
        target = self.target(action, target_id)
        if target is None:
            body.setdefault("UnitId", company.unit_id(unit))
            body.setdefault("CodingId", company.coding_id(*coding))
            body = checked("articles", body, context)
            saved = self.client.post("articles", body, context=context)
        else:
            merged = writable(company.article(target), "articles")
            # A price given one way only: drop the other so that eAccounting derives it again.
            for given, derived in (("NetPrice", "GrossPrice"), ("GrossPrice", "NetPrice")):
                if given in body and derived not in body:
                    merged.pop(derived, None)
            body = {**merged, **body}
            if unit not in (None, "") and "UnitId" not in payload:
                body["UnitId"] = company.unit_id(unit)
            if any(h not in (None, "") for h in coding) and "CodingId" not in payload:
                body["CodingId"] = company.coding_id(*coding)
            body = checked("articles", body, context)
            saved = self.client.put(f"articles/{target}", body, context=context)
        company.article_saved(saved)
        return result(saved)
