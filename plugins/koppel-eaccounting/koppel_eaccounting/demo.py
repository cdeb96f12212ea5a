"""Demo data for the sandbox: the master data in ``demo.json`` and orders made from a seed.

Master data (units, codings, VAT codes, terms of payment, 12 articles AV-1001 ..
AV-1012, 11 customers, companies and persons, two of them sharing an e-mail
address) is fixed. Orders are generated
from the seed: 36 orders (or as many as ``count`` asks, the sandbox's volume) in
all four statuses, a third of them invoiced. Each invoiced order has a customer
invoice (:func:`make_invoices`): a third of them paid, a third partly paid, a third
unpaid. The last one (1036 in the demo) is invoiced and has a row for article
``AV-9999``, which exists in no system: the demo's parked record.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

__all__ = [
    "COMPANY_SETTINGS",
    "DEMO_START",
    "MISSING_SKU",
    "demo_data",
    "demo_id",
    "make_invoices",
    "make_orders",
    "money",
    "utc_text",
]

#: The demo company's settings (``GET /v2/companysettings``, the fields the plugin reads).
COMPANY_SETTINGS = {
    "Name": "Keukenwinkel De Pollepel B.V.",
    "CountryCode": "NL",
    "CurrencyCode": "EUR",
    "ShowPricesExclVatPC": False,
}
#: The namespace of the demo's stable ids.
_NAMESPACE = uuid.UUID("6f1c2a3e-7d0b-4a55-9a43-0e5c1d2b9f10")
#: The time of the first demo change; records change in order after it.
DEMO_START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
#: The SKU that exists nowhere: its order is parked by an order flow.
MISSING_SKU = "AV-9999"
_STATUSES = (1, 2, 2, 3, 3, 3, 4, 4, 4)
#: How many of the demo's customers (the first) place its orders: the last one,
#: 1011, shares 1003's e-mail address (real data does) and has none.
_BUYERS = 10


def demo_id(kind: str, key: str) -> str:
    """The stable id of demo record ``key`` of ``kind``."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def utc_text(moment: datetime) -> str:
    """A time stamp as eAccounting writes it: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _load() -> dict[str, Any]:
    text = resources.files("koppel_eaccounting").joinpath("demo.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def money(value: Decimal) -> float:
    """An amount as the API shows it: rounded half up to cents, as a JSON number."""
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def demo_data() -> dict[str, list[dict[str, Any]]]:
    """Master data as the API returns it, by collection name (without orders)."""
    raw = _load()
    stamp = utc_text(DEMO_START - timedelta(days=30))
    units = [
        {"Id": demo_id("unit", u["key"]), **{k: v for k, v in u.items() if k != "key"}}
        for u in raw["units"]
    ]
    codings = [
        {
            "Id": demo_id("coding", c["key"]),
            **{k: v for k, v in c.items() if k != "key"},
            "ChangedUtc": stamp,
        }
        for c in raw["articleaccountcodings"]
    ]
    vatcodes = [
        {"Id": demo_id("vatcode", v["key"]), **{k: x for k, x in v.items() if k != "key"}}
        for v in raw["vatcodes"]
    ]
    terms = [
        {"Id": demo_id("terms", t["key"]), **{k: v for k, v in t.items() if k != "key"}}
        for t in raw["termsofpayment"]
    ]
    unit_by_key = {u["key"]: unit for u, unit in zip(raw["units"], units, strict=True)}
    coding_by_key = {
        c["key"]: coding for c, coding in zip(raw["articleaccountcodings"], codings, strict=True)
    }
    articles = []
    for index, item in enumerate(raw["articles"]):
        unit = unit_by_key[item["unit"]]
        coding = coding_by_key[item["coding"]]
        net = Decimal(str(item["NetPrice"]))
        changed = utc_text(DEMO_START - timedelta(days=20) + timedelta(minutes=index))
        articles.append(
            {
                "Id": demo_id("article", item["Number"]),
                "IsActive": True,
                "Number": item["Number"],
                "Name": item["Name"],
                "NameEnglish": None,
                "NetPrice": money(net),
                "GrossPrice": money(net * (1 + Decimal(str(coding["VatRatePercent"])))),
                "CodingId": coding["Id"],
                "CodingName": coding["Name"],
                "UnitId": unit["Id"],
                "UnitName": unit["Name"],
                "UnitAbbreviation": unit["Abbreviation"],
                "StockBalance": float(item["StockBalance"]),
                "StockBalanceReserved": 0.0,
                "StockBalanceAvailable": float(item["StockBalance"]),
                "PurchasePrice": money(net * Decimal("0.55")),
                "IsStock": coding["Type"] == "Goods",
                "SendToWebshop": True,
                "Barcodes": [{"Barcode": item["ean"], "BarcodeType": 0}] if item["ean"] else [],
                "CreatedUtc": changed,
                "ChangedUtc": changed,
            }
        )
    terms_by_key = {t["key"]: term for t, term in zip(raw["termsofpayment"], terms, strict=True)}
    customers = []
    for index, item in enumerate(raw["customers"]):
        term = terms_by_key[item["terms"]]
        changed = utc_text(DEMO_START - timedelta(days=10) + timedelta(minutes=index))
        record = {k: v for k, v in item.items() if k != "terms"}
        customers.append(
            {
                "Id": demo_id("customer", item["CustomerNumber"]),
                "IsActive": True,
                "CurrencyCode": "EUR",
                "TermsOfPaymentId": term["Id"],
                "TermsOfPayment": term,
                **record,
                "ChangedUtc": changed,
            }
        )
    return {
        "units": units,
        "articleaccountcodings": codings,
        "vatcodes": vatcodes,
        "termsofpayment": terms,
        "articles": articles,
        "customers": customers,
    }


def order_amounts(
    rows: list[dict[str, Any]],
    articles: dict[str, dict[str, Any]],
    codings: dict[str, dict[str, Any]],
    *,
    includes_vat: bool = False,
) -> tuple[float, float]:
    """(net amount, VAT amount) of order rows, VAT from each article's coding; with
    ``includes_vat`` the unit prices include VAT (the document's ``IncludesVat``)."""
    net = vat = Decimal(0)
    for row in rows:
        if row.get("IsTextRow"):
            continue
        quantity = Decimal(str(row.get("Quantity") or 0))
        price = Decimal(str(row.get("UnitPrice") or 0))
        discount = Decimal(str(row.get("DiscountPercentage") or 0))
        amount = (quantity * price * (1 - discount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        article = articles.get(str(row.get("ArticleId")))
        coding = codings.get(str(article["CodingId"])) if article else None
        rate = Decimal(str(coding["VatRatePercent"])) if coding else Decimal("0.21")
        if includes_vat:
            line_net = (amount / (1 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            net, vat = net + line_net, vat + amount - line_net
        else:
            net += amount
            vat += (amount * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return money(net), money(vat)


def make_orders(
    data: dict[str, list[dict[str, Any]]], *, seed: int = 0, count: int = 36
) -> list[dict[str, Any]]:
    """``count`` demo orders over the master data; the last one has the missing SKU."""
    rng = random.Random(seed)
    articles = [a for a in data["articles"] if a["IsActive"]]
    by_id = {a["Id"]: a for a in data["articles"]}
    codings = {c["Id"]: c for c in data["articleaccountcodings"]}
    orders = []
    for index in range(count):
        number = 1001 + index
        customer = data["customers"][index % _BUYERS]
        status = _STATUSES[index % len(_STATUSES)]
        created = DEMO_START + timedelta(hours=3 * index)
        picked = rng.sample(articles, k=rng.randint(1, 3))
        rows: list[dict[str, Any]] = []
        for line, article in enumerate(picked):
            rows.append(
                {
                    "Id": demo_id("orderrow", f"{number}:{line}"),
                    "LineNumber": line,
                    "ArticleId": article["Id"],
                    "ArticleNumber": article["Number"],
                    "IsTextRow": False,
                    "Text": article["Name"],
                    "UnitPrice": article["NetPrice"],
                    "DiscountPercentage": rng.choice((0.0, 0.0, 0.0, 0.1)),
                    "Quantity": float(rng.randint(1, 5)),
                    "DeliveredQuantity": 0.0,
                    "IsWorkCost": False,
                    "EligibleForReverseChargeOnVat": False,
                }
            )
        if index == count - 1:
            status = 4
            rows.append(
                {
                    "Id": demo_id("orderrow", f"{number}:missing"),
                    "LineNumber": len(rows),
                    # The article was deleted after the order was made: its number lives on.
                    "ArticleId": demo_id("article", MISSING_SKU),
                    "ArticleNumber": MISSING_SKU,
                    "IsTextRow": False,
                    "Text": "Koffiezetapparaat (uit assortiment)",
                    "UnitPrice": 89.0,
                    "DiscountPercentage": 0.0,
                    "Quantity": 1.0,
                    "DeliveredQuantity": 0.0,
                    "IsWorkCost": False,
                    "EligibleForReverseChargeOnVat": False,
                }
            )
        if index % 7 == 3:
            rows.append(
                {
                    "Id": demo_id("orderrow", f"{number}:text"),
                    "LineNumber": len(rows),
                    "ArticleId": None,
                    "ArticleNumber": None,
                    "IsTextRow": True,
                    "Text": "Graag bij de achterdeur afleveren",
                    "IsWorkCost": False,
                    "EligibleForReverseChargeOnVat": False,
                }
            )
        amount, vat = order_amounts(rows, by_id, codings)
        modified = created + timedelta(hours=1 + status)
        orders.append(
            {
                "Id": demo_id("order", str(number)),
                "Number": number,
                "CustomerId": customer["Id"],
                "CurrencyCode": customer.get("CurrencyCode") or "EUR",
                "Status": status,
                "OrderDate": created.date().isoformat(),
                "DeliveryDate": (created + timedelta(days=2)).date().isoformat()
                if status >= 3
                else None,
                "ShippedDateTime": utc_text(created + timedelta(days=1)) if status >= 3 else None,
                "CreatedUtc": utc_text(created),
                "ModifiedUtc": utc_text(modified),
                "Amount": amount,
                "VatAmount": vat,
                "RoundingsAmount": 0.0,
                "DeliveryCustomerName": customer.get("DeliveryCustomerName") or customer["Name"],
                "DeliveryAddress1": customer.get("DeliveryAddress1")
                or customer.get("InvoiceAddress1"),
                "DeliveryAddress2": None,
                "DeliveryPostalCode": customer.get("DeliveryPostalCode")
                or customer.get("InvoicePostalCode"),
                "DeliveryCity": customer.get("DeliveryCity") or customer.get("InvoiceCity"),
                "DeliveryCountryCode": customer.get("DeliveryCountryCode")
                or customer.get("InvoiceCountryCode"),
                "InvoiceCustomerName": customer["Name"],
                "InvoiceAddress1": customer.get("InvoiceAddress1"),
                "InvoiceAddress2": None,
                "InvoicePostalCode": customer.get("InvoicePostalCode"),
                "InvoiceCity": customer.get("InvoiceCity"),
                "InvoiceCountryCode": customer.get("InvoiceCountryCode"),
                "YourReference": f"Webshop #{number}",
                "OurReference": None,
                "EuThirdParty": False,
                "CustomerIsPrivatePerson": customer["IsPrivatePerson"],
                "IncludesVat": False,
                "RotReducedInvoicingType": 0,
                "ReverseChargeOnConstructionServices": False,
                "Rows": rows,
            }
        )
    return orders


def make_invoices(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The customer invoices of the invoiced ``orders``, in turn paid, partly paid and
    unpaid (``RemainingAmount``, ``PaymentStatus``); the last order's (the missing SKU)
    is paid, so that a paid-orders flow parks it too."""
    invoiced = [o for o in orders if o["Status"] == 4]
    invoices = []
    for index, order in enumerate(invoiced):
        total = Decimal(str(order["Amount"])) + Decimal(str(order["VatAmount"]))
        state = 0 if order is invoiced[-1] else index % 3  # 0 paid, 1 partly paid, 2 unpaid
        remaining = (Decimal(0), (total / 2).quantize(Decimal("0.01")), total)[state]
        invoiced_on = datetime.fromisoformat(order["ModifiedUtc"].replace("Z", "+00:00"))
        paid_on = invoiced_on + timedelta(days=3)
        rows = [
            {
                key: row.get(key)
                for key in (
                    "LineNumber",
                    "ArticleId",
                    "ArticleNumber",
                    "IsTextRow",
                    "Text",
                    "UnitPrice",
                    "DiscountPercentage",
                    "Quantity",
                )
            }
            for row in order["Rows"]
        ]
        invoices.append(
            {
                "Id": demo_id("invoice", str(order["Number"])),
                "InvoiceNumber": 5001 + index,
                "CustomerId": order["CustomerId"],
                "CurrencyCode": order["CurrencyCode"],
                "IsCreditInvoice": False,
                "InvoiceDate": invoiced_on.date().isoformat(),
                "DueDate": (invoiced_on + timedelta(days=30)).date().isoformat(),
                "YourReference": order["YourReference"],
                "TotalAmount": money(total),
                "TotalVatAmount": order["VatAmount"],
                "TotalRoundings": 0.0,
                "RemainingAmount": money(remaining),
                "RemainingAmountInvoiceCurrency": money(remaining),
                "PaymentStatus": (0, 1, 2)[state],
                "PaymentDate": utc_text(paid_on) if state < 2 else None,
                "CreditedBy": [],
                "CreatedFromOrderId": order["Id"],
                "IsCollectiveInvoice": False,
                "CollectiveCustomerInvoiceRowsRelationToOrders": None,
                "IncludesVat": False,
                "Rows": rows,
                "CreatedUtc": utc_text(invoiced_on),
                "ModifiedUtc": utc_text(paid_on if state < 2 else invoiced_on),
            }
        )
    return invoices
