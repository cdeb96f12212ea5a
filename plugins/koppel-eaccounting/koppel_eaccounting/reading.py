"""Reading entities from eAccounting: incremental, filtered server-side, enriched for mapping.

=========  ====================  ============================  =========================
entity     endpoint              incremental by                filters
=========  ====================  ============================  =========================
orders     ``/v2/orders``        ``ModifiedUtc``               ``status``
customers  ``/v2/customers``     ``ChangedUtc``                -
products   ``/v2/articles``      ``ChangedUtc``                ``active``
stock      ``/v2/articles``      (always a full read)          ``active``
=========  ====================  ============================  =========================

Orders are read with their ``Customer`` (the full customer record, from one
read of all customers per run) and each row's ``Article`` (number, barcodes and
``VatRatePercent`` from its coding), so that mappings can reach the customer's
e-mail, the EAN and the VAT rate. Articles are read with ``VatRatePercent``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from koppel.errors import ConfigurationError, SourceRecordError
from koppel.sync import SourceRecord, read_each, read_id, read_text
from koppel_eaccounting.session import Session

__all__ = ["ORDER_STATUSES", "READABLE", "read", "status_filter"]

#: eAccounting's order statuses by the names koppel's records and flow filters use.
ORDER_STATUSES = {"draft": 1, "ongoing": 2, "shipped": 3, "invoiced": 4}
#: Entities this plugin reads.
READABLE = ("orders", "customers", "products", "stock")
_FILTERS = {"orders": {"status", "statuses"}, "products": {"active"}, "stock": {"active"}}


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


def _check_filters(entity: str, filters: Mapping[str, Any]) -> None:
    unknown = sorted(set(filters) - _FILTERS.get(entity, set()))
    if unknown:
        allowed = ", ".join(sorted(_FILTERS.get(entity, ()))) or "none"
        raise ConfigurationError(
            f"eAccounting cannot filter {entity} by {', '.join(unknown)} (filters: {allowed})",
            entity=entity,
            field="filters",
        )


def _active_filter(filters: Mapping[str, Any]) -> str | None:
    if "active" not in filters or filters["active"] is None:
        return None
    return f"IsActive eq {'true' if filters['active'] else 'false'}"


def read(
    session: Session, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterator[SourceRecord]:
    """The records of ``entity`` changed since ``cursor``, oldest first."""
    _check_filters(entity, filters)
    client = session.client
    if entity == "orders":
        clause = status_filter(filters.get("status", filters.get("statuses")))
        orders = client.changed_since("orders", "ModifiedUtc", cursor, filter=clause)
        yield from read_each(
            orders,
            lambda order: SourceRecord(
                id=read_id(order, "Id"),
                data=_enrich_order(session, order),
                cursor=read_text(order, "ModifiedUtc"),
            ),
            id_field="Id",
        )
    elif entity == "customers":
        customers = client.changed_since("customers", "ChangedUtc", cursor)
        yield from read_each(
            customers,
            lambda customer: SourceRecord(
                id=read_id(customer, "Id"), data=customer, cursor=read_text(customer, "ChangedUtc")
            ),
            id_field="Id",
        )
    elif entity == "products":
        clause = _active_filter(filters)
        articles = client.changed_since("articles", "ChangedUtc", cursor, filter=clause)
        yield from read_each(
            articles,
            lambda article: SourceRecord(
                id=read_id(article, "Id"),
                data=session.with_vat_rate(article),
                cursor=read_text(article, "ChangedUtc"),
            ),
            id_field="Id",
        )
    elif entity == "stock":
        # Stock moves through orders without a documented change time: read all, no cursor.
        clause = _active_filter(filters)
        articles = client.pages("articles", filter=clause, orderby="Number asc")
        yield from read_each(
            articles,
            lambda article: SourceRecord(id=read_id(article, "Id"), data=article),
            id_field="Id",
        )
    else:
        raise ConfigurationError(
            f"eAccounting cannot read {entity!r}; it reads {', '.join(READABLE)}", entity=entity
        )


def _enrich_order(session: Session, order: dict[str, Any]) -> dict[str, Any]:
    customer_id = order.get("CustomerId")
    customer = session.customer(read_id(order, "CustomerId")) if customer_id else None
    articles = session.articles_by_id()
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
                "VatRatePercent": session.with_vat_rate(article)["VatRatePercent"],
            }
        rows.append({**row, "Article": extra})
    return {**order, "Customer": customer, "Rows": rows}
