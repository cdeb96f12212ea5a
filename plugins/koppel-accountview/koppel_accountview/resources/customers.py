"""Debtors (``AR1``) as customers: a company debtor with its contact person, or a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.connector import Resource
from koppel.sync import Action, TargetRecord, WriteResult
from koppel_accountview.debtors import DebtorIndex, create_debtor, email_key, write_debtor
from koppel_accountview.wire import present


class Customers(Resource):
    """Debtors found by e-mail address among all debtors (read once per run)."""

    entity = "customers"
    match_keys = {"email": "MAIL_BUS"}
    description = "debtors (AR1): company with contact, or person"

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord]:
        index = DebtorIndex.of(self.session)
        return {
            value: TargetRecord(id=str(row["SUB_NR"]), data=row)
            for value in values
            if (row := index.by_email.get(email_key(value) or "")) is not None
        }

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        fields = present(payload)
        if action == Action.CREATE:
            return create_debtor(self.session, fields, fields.get("MAIL_BUS"))
        return write_debtor(self.session, {**fields, "SUB_NR": target_id}, fields.get("MAIL_BUS"))
