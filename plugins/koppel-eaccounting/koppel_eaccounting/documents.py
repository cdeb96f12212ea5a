"""Orders as eAccounting documents: a sales order (``/v2/orders``) or an invoice draft.

koppel's order type ``order`` becomes an eAccounting order (status Ongoing);
``invoice`` becomes a customer invoice draft (``/v2/customerinvoicedrafts``),
which the operator converts into an invoice in eAccounting. Both need every
row's article to exist: a row whose SKU or EAN eAccounting does not know
fails the order with a :class:`ValidationError` naming every missing product.
Costs (shipping, fees, discounts) become rows with the article the connection
names in ``shipping_article``, ``fee_article`` or ``discount_article``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from koppel.errors import ConfigurationError, ValidationError
from koppel.records import OrderType, to_decimal
from koppel_eaccounting.company import Company
from koppel_eaccounting.payloads import clean
from koppel_eaccounting.prices import PriceBasis, price_basis, unit_price

__all__ = ["ORDER_TYPES", "PATHS", "build_document", "order_kind"]

#: The order types eAccounting accepts as a target, and the endpoint each is written to.
PATHS = {OrderType.ORDER: "orders", OrderType.INVOICE: "customerinvoicedrafts"}
ORDER_TYPES = tuple(PATHS)
#: Header fields an invoice draft takes, with the order field each comes from. The
#: draft's invoice postcode, city, country and currency, its reverse-charge flag and
#: IncludesVat are read-only: eAccounting takes them from the customer and the
#: company (facts.DRAFT), so they are not sent.
_DRAFT_FIELDS = {
    "YourReference": "YourReference",
    "OurReference": "OurReference",
    "InvoiceDate": "OrderDate",
    "DeliveryDate": "DeliveryDate",
    "EuThirdParty": "EuThirdParty",
    "RotReducedInvoicingType": "RotReducedInvoicingType",
    "DeliveryMethodName": "DeliveryMethodName",
    "InvoiceAddress1": "InvoiceAddress1",
    "InvoiceAddress2": "InvoiceAddress2",
    "DeliveryCustomerName": "DeliveryCustomerName",
    "DeliveryAddress1": "DeliveryAddress1",
    "DeliveryAddress2": "DeliveryAddress2",
    "DeliveryPostalCode": "DeliveryPostalCode",
    "DeliveryCity": "DeliveryCity",
    "DeliveryCountryCode": "DeliveryCountryCode",
}


def order_kind(payload: Mapping[str, Any], default: str) -> OrderType:
    """The document to create: the payload's ``_order_type``, else ``default`` (the
    ``order_type`` setting).

    :raises ConfigurationError: for a type eAccounting does not accept.
    """
    raw = payload.get("_order_type") or default
    try:
        kind = OrderType(str(raw))
    except ValueError:
        kind = None
    if kind not in ORDER_TYPES:
        names = ", ".join(t.value for t in ORDER_TYPES)
        raise ConfigurationError(
            f"eAccounting cannot create order type {raw!r}; it supports: {names}",
            entity="orders",
            field="order_type",
        )
    assert kind is not None
    return kind


def _customer(company: Company, payload: Mapping[str, Any]) -> dict[str, Any]:
    default = company.settings.default_customer
    if default:
        customer = company.customer_by_number(default)
        if customer is None:
            raise ConfigurationError(
                f"default_customer {default} is no customer number in eAccounting",
                entity="orders",
                field="default_customer",
            )
        return customer
    email = str(payload.get("_customer_email") or "").strip().casefold()
    found = company.customers_with_email(email) if email else []
    context = {
        "entity": "orders",
        "record": payload.get("YourReference"),
        "field": "customer.email",
    }
    if not found:
        raise ValidationError(
            f"no customer with e-mail {email or '(none)'} in eAccounting; sync the customer "
            "first or set default_customer",
            **context,
        )
    if len(found) > 1:
        numbers = [str(c.get("CustomerNumber")) for c in found]
        raise ValidationError(
            f"{len(found)} customers in eAccounting have e-mail {email}: {', '.join(numbers)}; "
            "give each its own address or set default_customer",
            **context,
            candidates=numbers,
        )
    return found[0]


def _rows(
    company: Company, payload: Mapping[str, Any], kind: OrderType, basis: PriceBasis
) -> list[dict[str, Any]]:
    gross = bool(payload.get("_prices_include_vat"))
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for index, line in enumerate(payload.get("Rows") or ()):
        try:
            article = company.find_article(line.get("ArticleNumber"), line.get("_ean"))
        except ValidationError as exc:
            raise exc.with_context(entity="orders", record=payload.get("YourReference")) from None
        if article is None:
            label = line.get("ArticleNumber") or (
                f"EAN {line['_ean']}" if line.get("_ean") else f"line {index + 1} (no SKU or EAN)"
            )
            if label not in missing:
                missing.append(str(label))
            continue
        price = line.get("UnitPrice")
        if price is not None:
            rate = line.get("_vat_rate")
            known = (
                to_decimal(rate)
                if rate is not None
                else company.vat_rate_of_coding(article.get("CodingId"))
            )
            price = unit_price(to_decimal(price), known, gross=gross, basis=basis)
        row = {k: v for k, v in line.items() if not str(k).startswith("_")}
        row.update(ArticleId=article["Id"], UnitPrice=price, IsTextRow=False)
        rows.append(row)
    for cost in payload.get("_costs") or ():
        amount = to_decimal(cost.get("amount") or 0)
        if amount == 0:
            continue
        setting = f"{cost.get('kind')}_article"  # shipping_article, fee_article, ...
        number = getattr(company.settings, setting, None)
        cost_article = company.find_article(number) if number else None
        if cost_article is None:
            raise ValidationError(
                f"the order has a {cost.get('kind')} cost of {amount} but "
                + (f"article {number} does not exist" if number else f"no {setting} is set")
                + " in eAccounting; set the connection's "
                + setting,
                entity="orders",
                record=payload.get("YourReference"),
                field=setting,
            )
        rate = company.vat_rate_of_coding(cost_article.get("CodingId"))
        amount = unit_price(amount, rate, gross=gross, basis=basis)
        rows.append(
            {
                "ArticleId": cost_article["Id"],
                "ArticleNumber": cost_article.get("Number"),
                "Text": cost.get("description") or cost_article.get("Name"),
                "Quantity": Decimal(1),
                "UnitPrice": amount,
                "IsTextRow": False,
            }
        )
    if missing:
        noun = "product" if len(missing) == 1 else "products"
        raise ValidationError(
            f"{len(missing)} {noun} not found in eAccounting: {', '.join(missing)}",
            entity="orders",
            record=payload.get("YourReference"),
            missing=missing,
        )
    for number, row in enumerate(rows):
        row["LineNumber"] = number
        if kind is OrderType.ORDER:
            row.setdefault("IsWorkCost", False)
            row.setdefault("EligibleForReverseChargeOnVat", False)
        else:
            row.pop("ArticleNumber", None)  # read-only on drafts
            row.pop("IsWorkCost", None)
            row.pop("EligibleForReverseChargeOnVat", None)
            row.setdefault("ReversedConstructionServicesVatFree", False)
    return rows


def build_document(company: Company, payload: Mapping[str, Any], kind: OrderType) -> dict[str, Any]:
    """The body that creates ``payload`` as an order or an invoice draft, its unit prices
    on the basis eAccounting will read them (:mod:`koppel_eaccounting.prices`).

    :raises ValidationError: when the customer or a product is not in eAccounting.
    """
    customer = _customer(company, payload)
    currency = payload.get("CurrencyCode") or customer.get("CurrencyCode")
    basis = price_basis(company.company_settings(), customer, currency)
    rows = _rows(company, payload, kind, basis)
    header = clean({k: v for k, v in payload.items() if k != "Rows"})
    header["CustomerId"] = str(customer["Id"])
    if kind is OrderType.ORDER:
        header["Rows"] = clean(rows)
        return dict(header)
    draft = {field: header[source] for field, source in _DRAFT_FIELDS.items() if source in header}
    draft["CustomerId"] = header["CustomerId"]
    draft.setdefault("RotReducedInvoicingType", 0)
    draft.setdefault("EuThirdParty", False)
    draft["Rows"] = clean(rows)
    return draft
