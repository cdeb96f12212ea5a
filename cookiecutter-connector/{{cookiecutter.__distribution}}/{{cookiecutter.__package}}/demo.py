{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entities = reads + writes -%}
"""Demo data of the {{ cookiecutter.title }} sandbox: records per entity, the same for the same seed.

The records have the API's native shape; the sandbox issues their ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["RECORDS", "demo_records", "stamp"]

#: Records per entity: enough for several pages.
RECORDS = 25
_START = datetime(2024, 1, 1, 8, tzinfo=UTC)
_NAMES = ("Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder")
{%- if "customers" in entities or "relations" in entities %}
_PLACES = (
    ("Amsterdam", "1011 AB", "NL"),
    ("Utrecht", "3511 CE", "NL"),
    ("Gent", "9000", "BE"),
    ("Aarhus", "8000", "DK"),
)
{%- endif %}
Row = dict[str, Any]


def stamp(moment: datetime) -> str:
    """A moment as the API writes it: ISO 8601 in UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _modified(index: int) -> str:
    return stamp(_START + timedelta(hours=index))


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))
{%- if "customers" in entities or "relations" in entities %}


def _address(rng: random.Random, index: int) -> Row:
    city, postcode, country = rng.choice(_PLACES)
    return {
        "street": "Dorpsstraat",
        "houseNumber": str(index + 1),
        "postcode": postcode,
        "city": city,
        "country": country,
    }
{%- endif %}
{%- if "orders" in entities or "invoices" in entities %}


def _lines(rng: random.Random) -> tuple[list[Row], Decimal, Decimal]:
    lines: list[Row] = []
    net = vat = Decimal(0)
    for _ in range(rng.randint(1, 3)):
        quantity = rng.randint(1, 5)
        price = Decimal(rng.randint(500, 10_000)) / 100
        rate = rng.choice((Decimal(21), Decimal(9)))
        total = price * quantity
        net += total
        vat += (total * rate / 100).quantize(Decimal("0.01"))
        lines.append(
            {
                "sku": f"SKU-{rng.randint(1, 999):04}",
                "description": "Demo article",
                "quantity": quantity,
                "unitPrice": _money(price),
                "vatRate": int(rate),
            }
        )
    return lines, net, vat
{%- endif %}
{%- if "customers" in entities %}


def customers(rng: random.Random) -> Iterator[Row]:
    """Company debtors with a contact, and person debtors."""
    for i in range(RECORDS):
        name = rng.choice(_NAMES)
        company = f"{name} B.V." if i % 3 else None
        yield {
            "number": f"D{10000 + i}",
            "name": f"Anne {name}",
            "companyName": company,
            "email": f"customer{i}@example.com",
            "phone": f"+31 20 555 {i:04}",
            "vatNumber": f"NL{800000000 + i}B01" if company else None,
            "address": _address(rng, i),
            "paymentTerms": rng.choice(("14", "30")),
            "currency": "EUR",
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "products" in entities %}


def products(rng: random.Random) -> Iterator[Row]:
    """Articles with a price excluding VAT."""
    for i in range(RECORDS):
        yield {
            "sku": f"SKU-{i:04}",
            "ean": f"87{i:011}",
            "name": f"Demo article {i}",
            "description": "An article of the demo administration",
            "price": _money(Decimal(rng.randint(100, 20_000)) / 100),
            "vatCode": rng.choice(("high", "low")),
            "unit": "piece",
            "active": i % 10 != 9,
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "stock" in entities %}


def stock(rng: random.Random) -> Iterator[Row]:
    """Stock per article in the main warehouse."""
    for i in range(RECORDS):
        on_hand = rng.randint(0, 200)
        yield {
            "sku": f"SKU-{i:04}",
            "onHand": on_hand,
            "reserved": rng.randint(0, on_hand),
            "warehouse": "MAIN",
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "orders" in entities %}


def orders(rng: random.Random) -> Iterator[Row]:
    """Sales orders with their lines and totals."""
    for i in range(RECORDS):
        lines, net, vat = _lines(rng)
        yield {
            "number": f"SO-{1000 + i}",
            "type": "order",
            "status": rng.choice(("open", "shipped", "paid")),
            "date": (_START + timedelta(days=i)).date().isoformat(),
            "customer": {"name": f"Anne {rng.choice(_NAMES)}", "email": f"customer{i}@example.com"},
            "lines": lines,
            "currency": "EUR",
            "totalExclVat": _money(net),
            "totalVat": _money(vat),
            "totalInclVat": _money(net + vat),
            "reference": f"web-{i}",
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "invoices" in entities %}


def invoices(rng: random.Random) -> Iterator[Row]:
    """Sales invoices with their lines and totals."""
    for i in range(RECORDS):
        lines, net, vat = _lines(rng)
        day = _START + timedelta(days=i)
        yield {
            "number": f"INV-{2000 + i}",
            "date": day.date().isoformat(),
            "dueDate": (day + timedelta(days=14)).date().isoformat(),
            "customer": {"name": f"Anne {rng.choice(_NAMES)}", "email": f"customer{i}@example.com"},
            "lines": lines,
            "currency": "EUR",
            "totalExclVat": _money(net),
            "totalVat": _money(vat),
            "totalInclVat": _money(net + vat),
            "orderNumber": f"SO-{1000 + i}",
            "status": rng.choice(("open", "paid")),
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "journal_entries" in entities %}


def journal_entries(rng: random.Random) -> Iterator[Row]:
    """Balanced journal entries: revenue and VAT against the debtor."""
    for i in range(RECORDS):
        net = Decimal(rng.randint(1_000, 50_000)) / 100
        vat = (net * Decimal("0.21")).quantize(Decimal("0.01"))
        yield {
            "number": f"JE-{3000 + i}",
            "date": (_START + timedelta(days=i)).date().isoformat(),
            "journal": "MEM",
            "description": f"Demo entry {i}",
            "reference": f"ref-{i}",
            "currency": "EUR",
            "lines": [
                {"account": "1300", "amount": _money(net + vat), "description": "debtor"},
                {"account": "8000", "amount": -_money(net), "description": "revenue"},
                {"account": "1671", "amount": -_money(vat), "vatCode": "high"},
            ],
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "commitments" in entities %}


def commitments(rng: random.Random) -> Iterator[Row]:
    """Commitments to suppliers, partly handled."""
    for i in range(RECORDS):
        amount = Decimal(rng.randint(10_000, 500_000)) / 100
        handled = i % 4 == 0
        yield {
            "code": f"C-{4000 + i}",
            "internalReference": f"INT-{i}",
            "externalReference": f"EXT-{i}",
            "deliveryNote": f"LB-{i}" if i % 2 else None,
            "glAccount": "7000",
            "amount": _money(amount),
            "openAmount": 0.0 if handled else _money(amount),
            "project": f"P-{i % 5}",
            "supplier": f"{rng.choice(_NAMES)} Bouw B.V.",
            "description": f"Demo commitment {i}",
            "currency": "EUR",
            "handled": handled,
            "modifiedAt": _modified(i),
        }
{%- endif %}
{%- if "relations" in entities %}


def relations(rng: random.Random) -> Iterator[Row]:
    """Relations: mostly debtors, some creditors."""
    for i in range(RECORDS):
        name = rng.choice(_NAMES)
        yield {
            "number": f"R{5000 + i}",
            "kind": "creditor" if i % 5 == 4 else "debtor",
            "name": f"Anne {name}",
            "companyName": f"{name} Events B.V.",
            "email": f"relation{i}@example.com",
            "phone": f"+31 30 555 {i:04}",
            "vatNumber": f"NL{810000000 + i}B01",
            "iban": f"NL{10 + i % 90:02}DEMO{i:010}",
            "address": _address(rng, i),
            "modifiedAt": _modified(i),
        }
{%- endif %}


_GENERATORS: dict[str, Callable[[random.Random], Iterator[Row]]] = {
{%- for name in cookiecutter._entities if name in entities %}
    "{{ name }}": {{ name }},
{%- endfor %}
}


def demo_records(entity: str, seed: int = 0) -> list[Row]:
    """The demo records of ``entity`` for ``seed`` (none for an unknown entity)."""
    generate = _GENERATORS.get(entity)
    return list(generate(random.Random(f"{entity}-{seed}"))) if generate else []
