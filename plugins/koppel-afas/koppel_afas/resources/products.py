"""Articles (``FbItemArticle``), by item code (SKU) or barcode (EAN); deleted ones found
by a periodic full reload (``full_reload_deletions``: AFAS logs no deletions of articles)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError, ValidationError
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_id,
)
from koppel_afas.bodies import article_body
from koppel_afas.deletions import read_records
from koppel_afas.resources._base import PLACEHOLDER, AfasResource, filled

__all__ = ["Products"]


class Products(AfasResource):
    """Read by ``ModifiedDate``; written by item code, which a new article must bring."""

    entity = "products"
    deletions = True  # with full_reload_deletions
    role = "articles"
    update_connectors = ("FbItemArticle",)
    description = "articles, by item code (SKU) or barcode (EAN)"
    match_keys = {"sku": "ItemCode", "ean": "Barcode"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        return read_records(
            self,
            lambda since: self.changed(self.role, since),
            cursor=cursor,
            filters=filters,
            id_field="ItemCode",
            make=lambda row, at: SourceRecord(id=read_id(row, "ItemCode"), data=row, cursor=at),
        )

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Articles by item code or barcode; a barcode several articles share is ambiguous."""
        field = self.match_keys[match_key]
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self.lookup(self.role, field, values):
            found.setdefault(str(row.get(field) or "").strip(), []).append(row)
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            rows = sorted(found.get(str(value).strip(), []), key=lambda r: str(r["ItemCode"]))
            match = one_match(
                TargetRecord(id=str(r["ItemCode"]), data=self.as_payload(r)) for r in rows
            )
            if match is not None:
                answer[value] = match
        return answer

    @staticmethod
    def as_payload(row: Mapping[str, Any]) -> dict[str, Any]:
        """A GetConnector row in the shape of the outbound payload."""
        data = {
            "ItCd": row.get("ItemCode"),
            "Ds": row.get("Description"),
            "DsEx": row.get("ExtraDescription"),
            "BaCo": row.get("Barcode"),
            "BiUn": row.get("Unit"),
            "Grp": row.get("ArticleGroup"),
            "SaPrice": row.get("SalesPrice"),
            "Bl": row.get("Blocked"),
        }
        return {k: v for k, v in data.items() if v is not None}

    def sample_bodies(
        self, own: Sequence[str], lines: Sequence[str]
    ) -> Mapping[str, Mapping[str, Any]]:
        """A new article with its unit and article group."""
        return {"FbItemArticle": article_body(filled(own, BiUn=PLACEHOLDER, Grp=PLACEHOLDER))}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) an article with the connection's article group and unit, or
        update (PUT) the one with item code ``target_id``."""
        context: dict[str, Any] = {
            "entity": self.entity,
            "record": payload.get("ItCd") or target_id,
        }
        body = dict(payload)
        if action is Action.CREATE:
            if not body.get("ItCd"):
                raise ValidationError(
                    "a new article needs its item code (sku)", field="ItCd", **context
                )
            body.setdefault("BiUn", self.settings.unit)
            if not body.get("Grp"):
                if not self.settings.article_group:
                    raise ValidationError(
                        "AFAS needs an article group (Grp) for a new article: set the "
                        "connection's article_group or map Grp",
                        field="Grp",
                        **context,
                    )
                body["Grp"] = self.settings.article_group
            results = self.client.insert("FbItemArticle", article_body(body), context=context)
        elif action is Action.UPDATE and target_id:
            body["ItCd"] = target_id
            results = self.client.update("FbItemArticle", article_body(body), context=context)
        else:
            raise ConfigurationError(f"upsert cannot {action} without a target", entity=self.entity)
        code = results.get("FbItemArticle", {}).get("ItCd") or body["ItCd"]
        return WriteResult(target_id=str(code), response=results)
