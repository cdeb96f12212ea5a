"""Relations: debtors and creditors (``crm/Accounts``), matched by code, then e-mail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.sync import SourceRecord
from koppel_exact_online.resources._base import synced
from koppel_exact_online.resources.customers import Customers

__all__ = ["Relations"]


class Relations(Customers):
    entity = "relations"
    match_keys = {"number": "Code", "email": "Email"}
    description = "debtors and creditors (crm/Accounts), matched by code, then e-mail"

    def record(self, row: Mapping[str, Any]) -> SourceRecord | None:
        return synced(row) if row.get("Status") == "C" or row.get("IsSupplier") else None
