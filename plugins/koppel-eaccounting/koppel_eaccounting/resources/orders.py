"""Orders (``/v2/orders``): read with their customer and articles, written as orders or
invoice drafts (see :mod:`koppel_eaccounting.documents`).

Orders are read with their ``Customer`` (the full customer record, from one
read of all customers per run) and each row's ``Article`` (number, barcodes,
``VatRatePercent`` from its coding and ``CostKind``: ``shipping``, ``fee`` or
``discount`` when it is the connection's ``shipping_article``, ... else null), so
that mappings can reach the customer's e-mail, the EAN, the VAT rate and the costs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError, RejectedError, SourceRecordError
from koppel.records import OrderType
from koppel.sync import (
    Action,
    SourceRecord,
    TargetRecord,
    WriteResult,
    read_each,
    read_id,
    read_moment,
)
from koppel_eaccounting.client import odata_literal
from koppel_eaccounting.documents import ORDER_TYPES, PATHS, build_document, order_kind
from koppel_eaccounting.payloads import checked, result, writable
from koppel_eaccounting.resources._base import EAccountingResource
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["ORDER_STATUSES", "Orders", "status_filter"]

#: eAccounting's order statuses by the names koppel's records and flow filters use.
ORDER_STATUSES = {"draft": 1, "ongoing": 2, "shipped": 3, "invoiced": 4}
#: Order numbers looked up per request (``YourReference eq ... or ...``).
_FILTER_BATCH = 20


def status_filter(value: Any) -> str | None:
    """The ``$filter`` clause for order statuses given by name (or number 1-4).

    :raises ConfigurationError: naming the unknown status and the valid ones.
    """
    if value is None or value == [] or value == "":
        return None
    items = [value] if isinstance(value, str | int) else list(value)
    codes: list[int] = []
    for item in items:
        key = str(item).strip().casefold()
        if key.isdigit() and int(key) in ORDER_STATUSES.values():
            code = int(key)
        elif key in ORDER_STATUSES:
            code = ORDER_STATUSES[key]
        else:
            valid = ", ".join(ORDER_STATUSES)
            raise ConfigurationError(
                f"eAccounting has no order status {item!r}; valid: {valid} (eAccounting orders "
                "carry no payment state: use 'invoiced' for paid orders, see the plugin README)",
                entity="orders",
                field="filters.status",
            )
        if code not in codes:
            codes.append(code)
    return " or ".join(f"Status eq {code}" for code in sorted(codes))


class Orders(EAccountingResource):
    """Sales orders, found by the source's order number in ``YourReference``."""

    entity = "orders"
    match_keys = {"number": "YourReference"}
    description = "sales orders; written as orders or invoice drafts"
    filters = {
        "status": "order statuses by name (draft, ongoing, shipped, invoiced) or number 1-4",
        "statuses": "the same as status (read when status is not given)",
    }

    @classmethod
    def order_types(cls, settings: EAccountingSettings | None) -> Iterable[OrderType]:
        """Orders (``/v2/orders``) and invoices (as invoice drafts)."""
        return ORDER_TYPES

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        clause = status_filter(filters.get("status", filters.get("statuses")))
        return read_each(
            self.client.changed_since("orders", "ModifiedUtc", cursor, filter=clause),
            lambda order: SourceRecord(
                id=read_id(order, "Id"),
                data=self.enrich(order),
                cursor=read_moment(order, "ModifiedUtc"),
            ),
            id_field="Id",
        )

    def enrich(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """``order`` with its ``Customer`` and each row's ``Article``."""
        company = self.company
        customer_id = order.get("CustomerId")
        customer = self.customer_of(order) if customer_id else None
        articles = company.articles_by_id()
        costs = self.cost_articles()
        rows = []
        lines = order.get("Rows") or []
        if not isinstance(lines, list):
            raise SourceRecordError("Rows is not a list", field="Rows")
        for number, row in enumerate(lines):
            if not isinstance(row, Mapping):
                raise SourceRecordError(f"Rows[{number}] is not an object", field=f"Rows[{number}]")
            article = articles.get(str(row.get("ArticleId")))
            extra = None
            if article is not None:
                extra = {
                    "Number": article.get("Number"),
                    "Barcodes": article.get("Barcodes") or [],
                    "VatRatePercent": company.with_vat_rate(article)["VatRatePercent"],
                    "CostKind": costs.get(str(article.get("Number"))),
                }
            rows.append({**row, "Article": extra})
        return {**order, "Customer": customer, "Rows": rows}

    def customer_of(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """The order's customer; a missing one (code 3000, answered as 400 or 404) makes the
        order unreadable, naming ``CustomerId``."""
        customer_id = read_id(order, "CustomerId")
        try:
            return self.company.customer(customer_id)
        except RejectedError as exc:
            if str(exc.context.get("error_code")) != "3000":
                raise
            raise SourceRecordError(
                f"customer {customer_id} of the order does not exist", field="CustomerId"
            ) from exc

    def cost_articles(self) -> dict[str, str]:
        """Article number -> cost kind, from ``shipping_article``, ``fee_article`` and
        ``discount_article``: the orders have no cost fields, a cost is a row on that article
        (as :mod:`koppel_eaccounting.documents` writes it)."""
        settings = self.settings
        kinds = {
            "shipping": settings.shipping_article,
            "fee": settings.fee_article,
            "discount": settings.discount_article,
        }
        return {str(number): kind for kind, number in kinds.items() if number}

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord]:
        """Orders and invoice drafts whose ``YourReference`` is one of ``values``, 20 a call."""
        wanted = list(dict.fromkeys(str(v) for v in values))
        field = self.match_keys[match_key]
        found: dict[str, TargetRecord] = {}
        for start in range(0, len(wanted), _FILTER_BATCH):
            batch = wanted[start : start + _FILTER_BATCH]
            clause = " or ".join(f"{field} eq {odata_literal(v)}" for v in batch)
            for path in PATHS.values():
                for record in self.client.pages(path, filter=clause):
                    reference = str(record.get(field) or "")
                    if reference in batch and reference not in found:
                        found[reference] = TargetRecord(id=str(record["Id"]), data=record)
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create the order or invoice draft (``_order_type``, else the ``order_type``
        setting), or replace it with the document laid over the current one."""
        target = self.target(action, target_id)
        kind = order_kind(payload, self.settings.order_type)
        body = build_document(self.company, payload, kind)
        path = PATHS[kind]
        context = {"entity": self.entity, "record": payload.get("YourReference")}
        if target is None:
            return result(self.client.post(path, checked(path, body, context), context=context))
        current = writable(self.client.get(f"{path}/{target}", context=context), path)
        body = checked(path, {**current, **body}, context)
        return result(self.client.put(f"{path}/{target}", body, context=context))
