"""Generated demo articles for the sandbox, beyond the twelve in ``demo.json``.

A sandbox asked for a volume of N web-shop articles keeps AV-1001 ... AV-1012
(the other sandboxes' demo orders name them) and adds AV-1013 onwards, each
with a valid EAN-13, a price, VAT code, unit, stock and reservations drawn
from the seed, and a change date a minute after the one before.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["DEMO_ARTICLES", "FIRST_GENERATED_DEBTOR", "ean13", "make_articles", "make_debtors"]

#: The web-shop articles in ``demo.json``.
DEMO_ARTICLES = 12
_FIRST_CHANGE = datetime(2024, 5, 13, 9, 0, tzinfo=UTC)
_GOODS = (
    ("Koffiebonen", "pak", "1", "1 kg"),
    ("Theemok", "st", "2", "350 ml"),
    ("Koffiefilter", "st", "2", "nr. 2"),
    ("Cacaopoeder", "pak", "1", "500 g"),
    ("Thermoskan", "st", "2", "1 l"),
)
_COLOURS = ("wit", "zwart", "zilver", "naturel", None)


def ean13(first_twelve: str) -> str:
    """``first_twelve`` digits with their EAN-13 check digit."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(first_twelve))
    return first_twelve + str((10 - total % 10) % 10)


def make_articles(count: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """Web-shop articles AV-1013 onwards, ``count`` of them, as ARTICLE rows."""
    rng = random.Random(seed)
    articles = []
    for index in range(count):
        number = 1001 + DEMO_ARTICLES + index
        name, unit, vat, size = rng.choice(_GOODS)
        available = rng.randint(0, 60)
        changed = _FIRST_CHANGE + timedelta(minutes=index)
        articles.append(
            {
                "ART_CODE": f"AV-{number}",
                "ART_DESC1": f"{name} {number}",
                "ART_DESC2": f"{name} {number}, gegenereerd voor de sandbox.",
                "EAN_CODE": ean13(f"8712345{number:05d}"),
                "PX_SELL": round(rng.uniform(2, 80), 2),
                "VAT_CODE": vat,
                "AG_CODE": "WEBSHOP",
                "UNIT": unit,
                "BLOCKED": False,
                "QTY_AVAIL": available,
                "QTY_RES_SO": rng.randint(0, min(available, 5)),
                "ART_SIZE": size,
                "ART_COLOR": rng.choice(_COLOURS),
                "CNT_ORIG": rng.choice(("NL", "DE", "PT", "IT")),
                "LEAD_TIME": rng.choice((5, 7, 14)),
                "CNG_DATE": changed.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
    return articles


#: The first number of generated debtors (the demo's own are 10001 onwards).
FIRST_GENERATED_DEBTOR = 30000


def make_debtors(count: int) -> list[dict[str, Any]]:
    """Debtors 30000 onwards, ``count`` of them, as CONTACT rows (for volume: the lookups
    of a run must not grow with them)."""
    first = _FIRST_CHANGE - timedelta(days=60)
    rows = []
    for index in range(count):
        number = FIRST_GENERATED_DEBTOR + index
        rows.append(
            {
                "SUB_NR": str(number),
                "ACCT_NR": "1210",
                "ACCT_NAME": f"Klant {number}",
                "SRC_CODE": f"KLANT{number}",
                "ADDRESS1": f"Dorpsstraat {index % 200 + 1}",
                "POST_CODE": "1234 AB",
                "CITY": "Utrecht",
                "CNT_CODE": "NL",
                "MAIL_BUS": f"klant{number}@example.nl",
                "CNG_DATE": (first + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            }
        )
    return rows
