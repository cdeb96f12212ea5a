"""Demo data of the sandbox's company: GL accounts, accounts, items, stock, sales orders,
generated from ``demo.json`` for a seed and a volume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

from koppel_exact_online.odata import format_date, pad_code

if TYPE_CHECKING:
    from koppel_exact_online.sandbox import ExactSandbox

__all__ = ["DEMO", "seed_demo"]

#: The demo company's chart of accounts (Dutch standard numbering) and the names its
#: generated accounts are made of.
DEMO: dict[str, Any] = json.loads(
    resources.files("koppel_exact_online").joinpath("demo.json").read_text(encoding="utf-8")
)


def _seed_prices(
    sandbox: ExactSandbox, item: dict[str, Any], n: int, account_ids: list[str]
) -> None:
    """The item's usual sales price; every fifth item an expired one before it, every
    fourth a price agreement with the first customer (neither is the item's price)."""
    price = item["StandardSalesPrice"]
    rows: list[dict[str, Any]] = [{"Price": price}]
    if n % 5 == 0:
        old = datetime(2020, 1, 1, tzinfo=UTC)
        rows.append(
            {
                "Price": price + 1,
                "StartDate": format_date(old),
                "EndDate": format_date(old + timedelta(days=365)),
            }
        )
    if n % 4 == 0 and account_ids:
        rows.append({"Price": round(price * 0.9, 2), "Account": account_ids[0]})
    for row in rows:
        record = {
            "ID": sandbox.new_id(),
            "Item": item["ID"],
            "ItemCode": item["Code"],
            "Currency": "EUR",
            "Unit": item["Unit"],
            "Account": None,
            "StartDate": None,
            "EndDate": None,
            "Quantity": 0,
            **row,
        }
        sandbox.put("SalesItemPrices", record["ID"], record)


def seed_demo(sandbox: ExactSandbox, *, customers: int, products: int, orders: int) -> None:
    """Fill ``sandbox`` with a reproducible demo company."""
    rng = sandbox._rng  # the sandbox's seeded generator, so ids and data repeat per seed
    for code, name in DEMO["gl_accounts"].items():
        sandbox.put("GLAccounts", "", {"ID": sandbox.new_id(), "Code": code, "Description": name})
    account_ids = []
    for n in range(1, customers + 1):
        first, last = rng.choice(DEMO["first_names"]), rng.choice(DEMO["last_names"])
        company = n % 3 == 0
        record: dict[str, Any] = {
            "ID": sandbox.new_id(),
            "Code": pad_code(n),
            "Name": f"{last} Handel BV" if company else f"{first} {last}",
            "Email": f"klant{n}@example.nl",
            "Phone": f"06{rng.randint(10_000_000, 99_999_999)}",
            "Status": "C",
            "IsSales": True,
            "IsSupplier": False,
            "AddressLine1": f"Dorpsstraat {n}",
            "Postcode": f"{1000 + n} AB",
            "City": rng.choice(DEMO["cities"]),
            "Country": "NL",
            "VATNumber": f"NL{rng.randint(100_000_000, 999_999_999)}B01" if company else None,
        }
        sandbox.put("Accounts", record["ID"], record)
        account_ids.append(record["ID"])
    for n, spelling in (
        (customers + 2, "administratie@groep.example.nl"),
        (customers + 1, " Administratie@Groep.example.nl"),
    ):
        # Real data shares one address between accounts (two companies of a group with one
        # finance mailbox), spelled differently; the newer account comes first in the feed.
        shared: dict[str, Any] = {
            "ID": sandbox.new_id(),
            "Code": pad_code(n),
            "Name": f"Groep {'Noord' if n % 2 else 'Zuid'} BV",
            "Email": spelling,
            "Status": "C",
            "IsSales": True,
            "IsSupplier": False,
            "Country": "NL",
        }
        sandbox.put("Accounts", shared["ID"], shared)
    for n in range(1, 3):
        supplier: dict[str, Any] = {
            "ID": sandbox.new_id(),
            "Code": pad_code(9000 + n),
            "Name": f"Leverancier {n} BV",
            "Email": f"leverancier{n}@example.nl",
            "Status": "",
            "IsSupplier": True,
            "IsSales": False,
            "Country": "NL",
        }
        sandbox.put("Accounts", supplier["ID"], supplier)
    items = []
    for n in range(1, products + 1):
        item: dict[str, Any] = {
            "ID": sandbox.new_id(),
            "Code": f"ART-{n:04d}",
            "Barcode": f"871{n:010d}",
            "Description": f"Artikel {n}",
            "ExtraDescription": f"Omschrijving van artikel {n}",
            "StandardSalesPrice": float(Decimal(rng.randint(100, 9_999)) / 100),
            "SalesVatCode": "2",
            "Unit": "pc",
            "IsSalesItem": True,
            "IsStockItem": True,
            "EndDate": None,
        }
        sandbox.put("Items", item["ID"], item)
        items.append(item)
        _seed_prices(sandbox, item, n, account_ids)
        # Positions are per item and warehouse: every item in the main warehouse, every
        # second one in the shop's too.
        for warehouse in sandbox.warehouses[: 1 + (n % 2 == 0)]:
            sandbox.put(
                "StockPositions",
                "",
                {
                    "ID": sandbox.new_id(),
                    "ItemId": item["ID"],
                    "ItemCode": item["Code"],
                    "CurrentStock": rng.randint(0, 200),
                    "PlanningIn": rng.randint(0, 20),
                    "PlanningOut": rng.randint(0, 20),
                    "Warehouse": warehouse["ID"],
                    "WarehouseCode": warehouse["Code"],
                    "WarehouseDescription": warehouse["Description"],
                },
            )
    start = datetime(2024, 5, 1, tzinfo=UTC)
    for n in range(1, orders + 1):
        if not account_ids or not items:
            break
        lines = []
        for number in range(1, rng.randint(1, 3) + 1):
            item = rng.choice(items)
            lines.append(
                {
                    "ID": sandbox.new_id(),
                    "LineNumber": number,
                    "Item": item["ID"],
                    "ItemCode": item["Code"],
                    "ItemDescription": item["Description"],
                    "Quantity": rng.randint(1, 4),
                    "NetPrice": item["StandardSalesPrice"],
                    "VATCode": "2",
                    "VATPercentage": 0.21,
                }
            )
        order: dict[str, Any] = {
            "OrderID": sandbox.new_id(),
            "OrderNumber": next(sandbox._numbers),
            "OrderDate": format_date(start + timedelta(days=n)),
            "OrderedBy": rng.choice(account_ids),
            "YourRef": f"DEMO-{n:04d}",
            "Description": f"Demo order {n}",
            "Currency": "EUR",
            "Status": 12,
            "SalesOrderLines": lines,
        }
        order["OrderedByName"] = sandbox.store["Accounts"].get(order["OrderedBy"])["Name"]  # type: ignore[index]
        order["AmountFCExclVat"] = float(
            sum(Decimal(str(x["NetPrice"])) * x["Quantity"] for x in lines)
        )
        order["AmountFC"] = float(Decimal(str(order["AmountFCExclVat"])) * Decimal("1.21"))
        sandbox.put("SalesOrders", order["OrderID"], order)
