"""Purchase invoices (*inkoopfacturen*), read with their lines.

``GET /list/purchase-invoices`` lists the invoices by ``updatedAt`` (headers, totals,
supplier, project, the first delivery ticket); their lines are only in each invoice's
document, ``GET /purchase-invoicing/purchase-invoice/{id}`` (facts.CLIENTS: one call per
invoice). The first read takes every invoice, later reads those changed since the cursor;
with the setting ``invoice_lines = false`` the documents are not read and the invoices come
without lines. The lines are added to the listed row as ``lines`` for the inbound mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from koppel.sync import SourceRecord, read_each, read_id, read_moment
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.resources._base import ExactBouwResource, number

__all__ = ["PurchaseInvoices"]

Row = dict[str, Any]


class PurchaseInvoices(ExactBouwResource):
    """Purchase invoices by ``updatedAt``, each with the lines of its document."""

    entity = "purchase_invoices"
    listed = facts.PURCHASE_INVOICES
    description = "purchase invoices (inkoopfacturen) with their lines, changes only"
    filters = {"project": "purchase invoices of this project only (its id in Exact Online Bouw)"}

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        only = []
        if filters.get("project") not in (None, ""):
            only.append(hql.condition("project.id", "=", number(filters["project"])))
        rows = self.client.changed(facts.PURCHASE_INVOICES, cursor, only, entity=self.entity)
        if self.settings.invoice_lines:
            rows = self.with_lines(rows)
        return read_each(rows, self.record, id_field="id")

    def with_lines(self, invoices: Iterator[Any]) -> Iterator[Any]:
        """``invoices`` with the ``lines`` of their documents, one call each."""
        for row in invoices:
            if isinstance(row, dict) and isinstance(row.get("id"), int | str):
                path = facts.PURCHASE_INVOICE_DOCUMENT.format(id=row["id"])
                document = self.client.get(path, entity=self.entity)
                lines = document.get("lines") if isinstance(document, dict) else None
                row = {**row, "lines": lines if isinstance(lines, list) else []}
            yield row

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One invoice, its ``updatedAt`` the cursor."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_moment(row, "updatedAt"))
