"""The sandbox's demo environment, in the API's shapes (facts.py, ASSUMED), from demo.json.

``volume`` relations (default 40), changes a minute apart, oldest first: organisations
with a primary contact and persons, debtors and (every eighth) creditors. The first
half has its number already; of the rest, most are due for one (an event made final,
or an invoice that is no draft) and every tenth waits (only an option, or a draft
invoice). One relation (:data:`HAND_TYPED`) has its country typed by hand. The same
``seed`` gives the same environment.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

__all__ = ["CREDITOR_START", "DEBTOR_START", "DEMO_VOLUME", "HAND_TYPED", "START", "demo", "iso"]

DEMO_VOLUME = 40
#: The relation whose country was typed by hand ("Nederland", no ISO code): Exact's XML
#: import refuses it.
HAND_TYPED = 11
#: The first debtor and creditor numbers the demo's numbered relations have.
DEBTOR_START = 10_000
CREDITOR_START = 70_000
#: The moment the first demo relation changed.
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
Row = dict[str, Any]


def iso(moment: datetime) -> str:
    """A moment as the API writes it (ISO 8601, UTC, ``Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def demo(seed: int = 0, volume: int = DEMO_VOLUME) -> dict[str, list[Row]]:
    """The demo environment: ``relations``, ``events`` and ``invoices``."""
    pools = json.loads((resources.files("koppel_easyparty") / "demo.json").read_text("utf-8"))
    rng = random.Random(seed)
    relations: list[Row] = []
    events: list[Row] = []
    invoices: list[Row] = []
    for n in range(volume):
        moment = START + timedelta(minutes=n)
        relation = _relation(pools, rng, n, volume, moment)
        relations.append(relation)
        if relation["debtor_number"] or relation["creditor_number"]:
            continue
        later = iso(moment + timedelta(days=1, minutes=n))
        name = pools["events"][n % len(pools["events"])]
        if n % 10 == 9:
            events.append(_event(events, relation, name, "option", None))
            invoices.append(_invoice(invoices, relation, True, later))
        elif n % 3 == 2:
            invoices.append(_invoice(invoices, relation, False, later))
        else:
            events.append(_event(events, relation, name, "final", later))
    return {"relations": relations, "events": events, "invoices": invoices}


def _relation(pools: Any, rng: random.Random, n: int, volume: int, moment: datetime) -> Row:
    creditor = n % 8 == 7
    person = not creditor and n % 3 == 2
    first = pools["first_names"][rng.randrange(len(pools["first_names"]))]
    last = pools["last_names"][rng.randrange(len(pools["last_names"]))]
    city, postcode = pools["cities"][n % len(pools["cities"])]
    names = pools["suppliers"] if creditor else pools["organisations"]
    name = f"{names[n % len(names)]} {n + 1}" if not person else None
    numbered = n < volume // 2
    slug = (name or f"{first} {last}").lower().replace(" ", ".")
    return {
        "id": 1001 + n,
        "type": "person" if person else "organisation",
        "name": name,
        "first_name": first if person else None,
        "last_name": last if person else None,
        "email": f"{slug}@example.nl",
        "phone": f"0{rng.randrange(100_000_000, 999_999_999)}",
        "vat_number": None if person else f"NL{rng.randrange(10**8, 10**9)}B01",
        "iban": None,
        "is_debtor": not creditor,
        "is_creditor": creditor,
        "debtor_number": str(DEBTOR_START + n) if numbered and not creditor else None,
        "creditor_number": str(CREDITOR_START + n) if numbered and creditor else None,
        "address": {
            "street": pools["streets"][n % len(pools["streets"])],
            "house_number": str(1 + rng.randrange(200)),
            "postcode": f"{postcode}{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}",
            "city": city,
            "country": "Nederland" if n == HAND_TYPED else "NL",
        },
        "contacts": []
        if person
        else [
            {
                "id": 5001 + n,
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}@{slug.split('.')[0]}.example.nl",
                "phone": None,
                "primary": True,
            }
        ],
        "sync_message": None,
        "changed_at": iso(moment),
    }


def _event(events: list[Row], relation: Row, name: str, status: str, final: str | None) -> Row:
    return {
        "id": 3001 + len(events),
        "relation_id": relation["id"],
        "name": name,
        "status": status,
        "final_at": final,
    }


def _invoice(invoices: list[Row], relation: Row, draft: bool, created: str) -> Row:
    return {
        "id": 8001 + len(invoices),
        "relation_id": relation["id"],
        "number": None if draft else f"F2026-{len(invoices) + 1:04d}",
        "draft": draft,
        "created_at": created,
    }
