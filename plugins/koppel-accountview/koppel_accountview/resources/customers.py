"""Debtors (``AR1``) as customers: a company debtor with its contact person, or a person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.connector import Resource
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult, one_match
from koppel_accountview.debtors import DebtorIndex, create_debtor, email_key, write_debtor
from koppel_accountview.wire import present


class Customers(Resource):
    """Debtors found by e-mail address among all debtors (kept between runs); an
    address several debtors share is :class:`~koppel.sync.Ambiguous`, lowest number first."""

    entity = "customers"
    match_keys = {"email": "MAIL_BUS"}
    description = "debtors (AR1): company with contact, or person"

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        index = DebtorIndex.of(self.session)
        found: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            rows = index.by_email(email_key(value) or "")
            match = one_match(TargetRecord(id=str(row["SUB_NR"]), data=row) for row in rows)
            if match is not None:
                found[value] = match
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        fields = present(payload)
        if action == Action.CREATE:
            return create_debtor(self.session, fields, fields.get("MAIL_BUS"))
        return write_debtor(
            self.session, {**fields, "SUB_NR": target_id}, fields.get("MAIL_BUS"), update=True
        )
