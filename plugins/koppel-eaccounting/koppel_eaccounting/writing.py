"""Writing to eAccounting: find by match key, then create or replace.

eAccounting's ``PUT`` replaces a whole resource, so an update is the current
record with the mapped fields laid over it: fields the mapping leaves out
(create-only ones, the stock balance of an article, ...) keep their value.
Outbound mappings may carry ``_``-prefixed hint fields (``_unit``,
``_terms_of_payment``, ``_order_type``, ...) that this module resolves to ids
and never sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from koppel.accounting import StockSettings, stock_to_send
from koppel.errors import ConfigurationError, ValidationError
from koppel.records import StockLevel, to_decimal
from koppel.sync import Action, TargetRecord, WriteResult
from koppel_eaccounting._payload import clean
from koppel_eaccounting.client import odata_literal
from koppel_eaccounting.orders import build_document, document_path, order_kind
from koppel_eaccounting.session import Session, unique

__all__ = ["MATCH_KEYS", "WRITABLE", "clean", "find_existing", "upsert"]

#: Entities this plugin writes and the canonical fields they are matched by.
MATCH_KEYS = {
    "customers": ("email",),
    "products": ("sku", "ean"),
    "stock": ("sku",),
    "orders": ("number",),
}
WRITABLE = tuple(MATCH_KEYS)
#: Fields eAccounting fills in itself; left out of a replacing PUT.
_READ_ONLY = frozenset(
    {
        "Id",
        "TermsOfPayment",
        "ChangedUtc",
        "CreatedUtc",
        "ModifiedUtc",
        "LastInvoiceDate",
        "UnpaidInvoicesAmount",
        "UnitName",
        "UnitAbbreviation",
        "CodingName",
        "StockBalanceReserved",
        "StockBalanceAvailable",
        "StockValue",
        "VatRatePercent",
    }
)
_FILTER_BATCH = 20


def _writable(current: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in current.items() if k not in _READ_ONLY}


# -- find_existing ---------------------------------------------------------------------


def find_existing(
    session: Session, entity: str, match_key: str, values: Sequence[str]
) -> dict[str, TargetRecord]:
    """The records of ``entity`` whose ``match_key`` is one of ``values``."""
    if match_key not in MATCH_KEYS.get(entity, ()):
        keys = ", ".join(MATCH_KEYS.get(entity, ())) or "none"
        raise ConfigurationError(
            f"eAccounting finds {entity} by {keys}, not by {match_key!r}",
            entity=entity,
            field="match_key",
        )
    found: dict[str, TargetRecord] = {}
    if entity == "customers":
        index = session.customers_by_email()
        for value in values:
            customer = index.get(str(value).strip().casefold())
            if customer is not None:
                found[value] = TargetRecord(id=str(customer["Id"]), data=customer)
    elif entity in ("products", "stock"):
        index = session.articles_by_number() if match_key == "sku" else session.articles_by_ean()
        for value in values:
            article = index.get(str(value).strip())
            if article is not None:
                found[value] = TargetRecord(id=str(article["Id"]), data=article)
    else:
        found = _find_orders(session, unique(str(v) for v in values))
    return found


def _find_orders(session: Session, values: list[str]) -> dict[str, TargetRecord]:
    """Orders and invoice drafts whose ``YourReference`` is the source's order number."""
    found: dict[str, TargetRecord] = {}
    for start in range(0, len(values), _FILTER_BATCH):
        batch = values[start : start + _FILTER_BATCH]
        clause = " or ".join(f"YourReference eq {odata_literal(v)}" for v in batch)
        for path in ("orders", "customerinvoicedrafts"):
            for record in session.client.pages(path, filter=clause):
                reference = str(record.get("YourReference") or "")
                if reference in batch and reference not in found:
                    found[reference] = TargetRecord(id=str(record["Id"]), data=record)
    return found


# -- upsert ----------------------------------------------------------------------------


def upsert(
    session: Session,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    """Create or update one record; the created or replaced resource is the answer."""
    if action not in (Action.CREATE, Action.UPDATE):
        raise ConfigurationError(f"upsert cannot {action}", entity=entity)
    if action is Action.UPDATE and not target_id:
        raise ConfigurationError("an update needs the target id", entity=entity)
    if entity == "customers":
        return _customer(session, action, payload, target_id)
    if entity == "products":
        return _product(session, action, payload, target_id)
    if entity == "stock":
        return _stock(session, action, payload, target_id)
    if entity == "orders":
        return _order(session, action, payload, target_id)
    raise ConfigurationError(
        f"eAccounting cannot write {entity!r}; it writes {', '.join(WRITABLE)}", entity=entity
    )


def _result(record: Any) -> WriteResult:
    return WriteResult(target_id=str(record["Id"]), response=record)


def _customer(
    session: Session, action: Action, payload: Mapping[str, Any], target_id: str | None
) -> WriteResult:
    body = clean(payload)
    context = {"entity": "customers", "record": payload.get("EmailAddress")}
    if action is Action.CREATE:
        body.setdefault(
            "TermsOfPaymentId", session.terms_of_payment_id(payload.get("_terms_of_payment"))
        )
        created = session.client.post("customers", body, context=context)
        session.customer_saved(created)
        return _result(created)
    assert target_id is not None
    current = session.customer(target_id)
    merged = {**_writable(current), **body}
    if payload.get("_terms_of_payment") not in (None, "") and "TermsOfPaymentId" not in body:
        merged["TermsOfPaymentId"] = session.terms_of_payment_id(payload["_terms_of_payment"])
    replaced = session.client.put(f"customers/{target_id}", merged, context=context)
    session.customer_saved(replaced)
    return _result(replaced)


def _product(
    session: Session, action: Action, payload: Mapping[str, Any], target_id: str | None
) -> WriteResult:
    body = clean(payload)
    context = {"entity": "products", "record": payload.get("Number")}
    if action is Action.CREATE:
        body.setdefault("UnitId", session.unit_id(payload.get("_unit")))
        body.setdefault(
            "CodingId", session.coding_id(payload.get("_vat_rate"), payload.get("_vat_code"))
        )
        created = session.client.post("articles", body, context=context)
        session.article_saved(created)
        return _result(created)
    assert target_id is not None
    current = session.articles_by_id().get(target_id) or session.client.get(f"articles/{target_id}")
    merged = _writable(current)
    # A price given one way only: drop the other so that eAccounting derives it again.
    if "NetPrice" in body and "GrossPrice" not in body:
        merged.pop("GrossPrice", None)
    if "GrossPrice" in body and "NetPrice" not in body:
        merged.pop("NetPrice", None)
    merged.update(body)
    if payload.get("_unit") not in (None, "") and "UnitId" not in body:
        merged["UnitId"] = session.unit_id(payload["_unit"])
    hints = (payload.get("_vat_rate"), payload.get("_vat_code"))
    if any(h not in (None, "") for h in hints) and "CodingId" not in body:
        merged["CodingId"] = session.coding_id(*hints)
    replaced = session.client.put(f"articles/{target_id}", merged, context=context)
    session.article_saved(replaced)
    return _result(replaced)


def stock_settings(settings: Mapping[str, Any]) -> StockSettings:
    """A connection's ``stock_formula``, ``manages_stock`` and ``allow_negative_stock``."""
    return StockSettings(
        formula=str(settings.get("stock_formula", "available")),
        manages_stock=bool(settings.get("manages_stock", True)),
        allow_negative=bool(settings.get("allow_negative_stock", False)),
    )


def _stock(
    session: Session, action: Action, payload: Mapping[str, Any], target_id: str | None
) -> WriteResult:
    sku = payload.get("Number")
    if target_id is None:
        # A stock level is "created" the first time it is written: on an existing article.
        article = session.find_article(sku)
        if article is None:
            raise ValidationError(
                f"article {sku} does not exist in eAccounting; stock is set on existing "
                "articles only, so sync the products first",
                entity="stock",
                record=sku,
            )
        target_id = str(article["Id"])
    if "StockBalance" in payload:
        quantity: Decimal | None = to_decimal(payload["StockBalance"])
    else:
        level = StockLevel(
            sku=str(sku),
            on_hand=to_decimal(payload.get("_on_hand") or 0),
            reserved=to_decimal(payload.get("_reserved") or 0),
            available=(
                to_decimal(payload["_available"]) if payload.get("_available") is not None else None
            ),
        )
        quantity = stock_to_send(level, stock_settings(session.settings))
    current = session.articles_by_id().get(target_id) or session.client.get(f"articles/{target_id}")
    if quantity is None:
        return WriteResult(target_id=target_id, response={"skipped": "manages_stock is off"})
    if current.get("StockBalance") is not None and to_decimal(current["StockBalance"]) == quantity:
        return WriteResult(target_id=target_id, response=current)
    merged = {**_writable(current), "StockBalance": clean(quantity)}
    replaced = session.client.put(
        f"articles/{target_id}", merged, context={"entity": "stock", "record": sku}
    )
    session.article_saved(replaced)
    return _result(replaced)


def _order(
    session: Session, action: Action, payload: Mapping[str, Any], target_id: str | None
) -> WriteResult:
    kind = order_kind(payload, session.settings)
    body = build_document(session, payload, kind)
    path = document_path(kind)
    context = {"entity": "orders", "record": payload.get("YourReference")}
    if action is Action.CREATE:
        return _result(session.client.post(path, body, context=context))
    current = session.client.get(f"{path}/{target_id}", context=context)
    merged = {**_writable(current), **body}
    return _result(session.client.put(f"{path}/{target_id}", merged, context=context))
