"""Demo data for the sandbox: the rows of the recommended GetConnectors.

Relations, articles, sales orders and a journal entry are fixed (``demo.json``);
commitments are generated from the seed: 36 by default (or as many as the sandbox's
volume asks), for the demo creditors, open, partly received or handled. Rows carry
the recommended field ids and AFAS's date-time format: Amsterdam time written with a
``Z`` (get-connector.md).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from koppel_afas.functions import AMSTERDAM

__all__ = ["DEMO_START", "afas_text", "demo_rows", "make_commitments"]

#: The time of the first demo change; rows changed in order after it.
DEMO_START = datetime(2024, 3, 1, 8, 0, tzinfo=AMSTERDAM)
_STATUSES = ("Open", "Open", "Deels ontvangen", "Afgehandeld")


def afas_text(moment: datetime) -> str:
    """A date-time as AFAS answers it: Amsterdam time, seconds, with a ``Z``."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load() -> dict[str, Any]:
    text = resources.files("koppel_afas").joinpath("demo.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def demo_rows() -> dict[str, list[dict[str, Any]]]:
    """The fixed rows by role (``debtors``, ``creditors``, ``articles``, ``salesorders``,
    ``journal_entries``), each with its ModifiedDate."""
    raw = _load()
    moment = DEMO_START
    rows: dict[str, list[dict[str, Any]]] = {}
    for role, key in (("debtors", "DebtorId"), ("creditors", "CreditorId")):
        rows[role] = []
        for item in raw[role]:
            row = {key: item["Number"], **{k: v for k, v in item.items() if k != "Number"}}
            moment += timedelta(minutes=7)
            rows[role].append({**row, "ModifiedDate": afas_text(moment)})
    for role in ("articles", "salesorders", "journal_entries"):
        rows[role] = []
        for item in raw[role]:
            moment += timedelta(minutes=5)
            rows[role].append({**item, "ModifiedDate": afas_text(moment)})
    return rows


def make_commitments(count: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` commitments (*verplichtingen*) for the demo creditors, oldest first."""
    raw = _load()
    pick = random.Random(seed)
    moment = DEMO_START + timedelta(days=10)
    rows = []
    for n in range(1, count + 1):
        creditor = pick.choice(raw["creditors"])
        amount = Decimal(pick.randrange(10_000, 2_500_000)) / 100
        status = pick.choice(_STATUSES)
        open_amount = {
            "Open": amount,
            "Deels ontvangen": (amount * Decimal(pick.randrange(10, 90)) / 100).quantize(
                Decimal("0.01")
            ),
            "Afgehandeld": Decimal(0),
        }[status]
        moment += timedelta(seconds=pick.randrange(30, 600))
        rows.append(
            {
                "CommitmentId": f"{n:06d}",
                "Administration": 1,
                "Code": f"VPL-2024-{n:05d}",
                "InternalReference": f"IO-{24000 + n}",
                "ExternalReference": f"PO-{pick.randrange(100000, 999999)}",
                "CreditorId": creditor["Number"],
                "CreditorName": creditor["Name"],
                "GlAccount": pick.choice(raw["gl_accounts"]),
                "Project": pick.choice(raw["projects"]),
                "CostCentre": pick.choice(raw["cost_centres"]),
                "Description": f"Inkoop {creditor['Name'].split()[0].lower()} week {n % 52 + 1}",
                "Amount": float(amount),
                "OpenAmount": float(open_amount),
                "Currency": "EUR",
                "Status": status,
                "Handled": status == "Afgehandeld",
                "ModifiedDate": afas_text(moment),
            }
        )
    return rows
