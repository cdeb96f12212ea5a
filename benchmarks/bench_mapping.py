"""Datamapper speed: an order of 25 fields with 3 lines, three ways.

1. the datamapper: the mapping compiled once, ``mapping.apply(record)`` per record;
2. ``jmespath.search(expression, record)`` per field (and per line field), with
   the same functions, writing the same nested result;
3. the same mapping written by hand in Python, calling the same helpers.

"datamapper, as update" shows the full write-rule loop that updates run
(creates take a path of nested closures).

All three must give the same result (checked before timing). Goals: the
datamapper at least 5x faster than (2) and at most 3x slower than (3).

    python benchmarks/bench_mapping.py [--records 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jmespath
from jmespath.visitor import Options

from koppel.mapping import CORE_FUNCTIONS, KoppelFunctions, compile_mapping
from koppel.mapping._functions import (
    coalesce,
    country_code,
    lower,
    make_lookup,
    round_money,
    split_street,
    to_date,
    to_decimal,
    trim,
)
from koppel.sync import Action

LOOKUPS = {
    "status": {"12": "open", "20": "partial", "21": "complete"},
    "shipping": {"DHL": "dhl", "PNL": "postnl"},
    "terms": {"14": "NET14", "30": "NET30"},
}

SPEC: dict[str, Any] = {
    "fields": {
        "number": "OrderNumber",
        "external_id": "ID",
        "order_date": "to_date(OrderDate)",
        "delivery_date": "to_date(DeliveryDate)",
        "currency": {"expr": "Currency", "default": "EUR"},
        "status": "lookup('status', Status, 'open')",
        "customer.number": "OrderedBy.Code",
        "customer.name": "OrderedBy.Name",
        "customer.email": "lower(OrderedBy.Email)",
        "billing_address.street": "split_street(InvoiceTo.AddressLine1).street",
        "billing_address.house_number": "split_street(InvoiceTo.AddressLine1).number",
        "billing_address.postcode": "InvoiceTo.Postcode",
        "billing_address.city": "InvoiceTo.City",
        "billing_address.country": "country_code(InvoiceTo.Country)",
        "shipping_method": "lookup('shipping', ShippingMethod, 'standard')",
        "payment_terms": "lookup('terms', PaymentCondition)",
        "reference": "coalesce(YourRef, Description)",
        "description": "trim(Description)",
        "amount_excl": "to_decimal(AmountFCExclVat)",
        "amount_vat": "to_decimal(VATAmountFC)",
        "amount_incl": "round_money(AmountFC)",
        "warehouse": "Warehouse.Code",
        "salesperson": "Salesperson.FullName",
        "order_type": {"value": "sales_order"},
        "notes": "Remarks",
        "lines[]": {
            "source": "SalesOrderLines.results",
            "fields": {
                "sku": "Item.Code",
                "description": "Description",
                "quantity": "to_decimal(Quantity)",
                "unit_price": "to_decimal(NetPrice)",
                "vat_code": "VATCode",
                "amount": "round_money(AmountFC)",
            },
        },
    }
}


def sample(n: int) -> dict[str, Any]:
    """An Exact Online style sales order."""
    return {
        "ID": f"guid-{n}",
        "OrderNumber": 10000 + n,
        "OrderDate": "/Date(1641034800000)/",
        "DeliveryDate": "2024-03-01T00:00:00",
        "Currency": "EUR",
        "Status": 12,
        "OrderedBy": {"Code": "C001", "Name": "De Vries BV", "Email": "Info@DeVries.nl"},
        "InvoiceTo": {
            "AddressLine1": "2e Jan Steenstraat 7-II",
            "Postcode": "1073 VM",
            "City": "Amsterdam",
            "Country": "Nederland",
        },
        "ShippingMethod": "PNL",
        "PaymentCondition": "14",
        "YourRef": None,
        "Description": " Webshop order ",
        "AmountFCExclVat": 100.0,
        "VATAmountFC": 21.0,
        "AmountFC": 121.005,
        "Warehouse": {"Code": "1"},
        "Salesperson": {"FullName": "Piet"},
        "Remarks": "leave at door",
        "SalesOrderLines": {
            "results": [
                {
                    "Item": {"Code": f"SKU-{i}"},
                    "Description": f"Item {i}",
                    "Quantity": i + 1,
                    "NetPrice": "10.50",
                    "VATCode": "2",
                    "AmountFC": 10.5 * (i + 1),
                }
                for i in range(3)
            ]
        },
    }


def hand_written(order: dict[str, Any]) -> dict[str, Any]:
    """The same mapping, written by hand."""
    by = order.get("OrderedBy") or {}
    to = order.get("InvoiceTo") or {}
    street = split_street(to.get("AddressLine1")) or {}
    status = order.get("Status")
    shipping = order.get("ShippingMethod")
    terms = order.get("PaymentCondition")
    lines_in = (order.get("SalesOrderLines") or {}).get("results")
    return {
        "number": order.get("OrderNumber"),
        "external_id": order.get("ID"),
        "order_date": to_date(order.get("OrderDate")),
        "delivery_date": to_date(order.get("DeliveryDate")),
        "currency": order.get("Currency") or "EUR",
        "status": "open" if status is None else LOOKUPS["status"].get(str(status), "open"),
        "customer": {
            "number": by.get("Code"),
            "name": by.get("Name"),
            "email": lower(by.get("Email")),
        },
        "billing_address": {
            "street": street.get("street"),
            "house_number": street.get("number"),
            "postcode": to.get("Postcode"),
            "city": to.get("City"),
            "country": country_code(to.get("Country")),
        },
        "shipping_method": LOOKUPS["shipping"].get(shipping, "standard"),
        "payment_terms": None if terms is None else LOOKUPS["terms"][str(terms)],
        "reference": coalesce(order.get("YourRef"), order.get("Description")),
        "description": trim(order.get("Description")),
        "amount_excl": to_decimal(order.get("AmountFCExclVat")),
        "amount_vat": to_decimal(order.get("VATAmountFC")),
        "amount_incl": round_money(order.get("AmountFC")),
        "warehouse": (order.get("Warehouse") or {}).get("Code"),
        "salesperson": (order.get("Salesperson") or {}).get("FullName"),
        "order_type": "sales_order",
        "notes": order.get("Remarks"),
        "lines": [
            {
                "sku": (line.get("Item") or {}).get("Code"),
                "description": line.get("Description"),
                "quantity": to_decimal(line.get("Quantity")),
                "unit_price": to_decimal(line.get("NetPrice")),
                "vat_code": line.get("VATCode"),
                "amount": round_money(line.get("AmountFC")),
            }
            for line in lines_in or []
        ],
    }


def per_field_search() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Map by calling ``jmespath.search`` for every field of every record."""
    options = Options(
        custom_functions=KoppelFunctions({**CORE_FUNCTIONS, "lookup": make_lookup(LOOKUPS)})
    )
    fields = SPEC["fields"]

    def expression_of(entry: Any) -> str:
        return entry if isinstance(entry, str) else entry["expr"]

    top = [(k, v) for k, v in fields.items() if not k.endswith("[]")]
    lines = fields["lines[]"]

    def run(order: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for target, entry in top:
            if isinstance(entry, dict) and "value" in entry:
                value = entry["value"]
            else:
                value = jmespath.search(expression_of(entry), order, options=options)
                if value is None and isinstance(entry, dict):
                    value = entry.get("default")
            *parents, last = target.split(".")
            place = out
            for key in parents:
                place = place.setdefault(key, {})
            place[last] = value
        items = jmespath.search(lines["source"], order, options=options) or []
        out["lines"] = [
            {k: jmespath.search(e, item, options=options) for k, e in lines["fields"].items()}
            for item in items
        ]
        return out

    return run


def rates(
    functions: dict[str, Callable[[Any], Any]], records: list[Any], repeat: int
) -> dict[str, float]:
    """Best-of-``repeat`` records per second of each function (like timeit); runs interleave."""
    timings: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            for record in records:
                function(record)
            timings[name].append(time.perf_counter() - start)
    return {name: len(records) / min(times) for name, times in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    mapping = compile_mapping(SPEC, name="bench/orders/inbound", lookups=LOOKUPS, functions={})
    search = per_field_search()
    records = [sample(n) for n in range(args.records)]
    first = records[0]
    expected = hand_written(first)
    assert mapping.apply(first) == expected, (mapping.apply(first), expected)
    assert search(first) == expected
    assert expected["amount_incl"] == Decimal("121.01")

    fields = len(mapping.fields) - 1 + 6 * 3
    print(f"order mapping: {len(mapping.fields) - 1} fields + 3 lines x 6 fields = {fields} values")
    functions: dict[str, Callable[[Any], Any]] = {
        "datamapper": mapping.apply,
        "datamapper, as update": lambda r: mapping.apply(r, action=Action.UPDATE, existing={}),
        "jmespath.search per field": search,
        "hand-written Python": hand_written,
    }
    results = rates(functions, records, args.repeat)
    for name, per_second in results.items():
        print(f"{name:28} {per_second:10,.0f} records/s")
    speedup = results["datamapper"] / results["jmespath.search per field"]
    slowdown = results["hand-written Python"] / results["datamapper"]
    print(f"datamapper vs jmespath.search: {speedup:.1f}x faster (goal >= 5x)")
    print(f"datamapper vs hand-written:    {slowdown:.2f}x slower (goal <= 3x)")


if __name__ == "__main__":
    main()
