"""Relations: debtors (``AR1``) and creditors (``AP1``), both rows of table CONTACT.

AccountView keeps debtors and creditors in one table under one number (``SUB_NR``,
"Debiteur-/crediteurnummer"), each read and written through its own business object.
Core's relation workflow (``koppel relations export`` with direct sync) finds them by
number and creates or updates them here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.connector import Resource
from koppel.errors import ValidationError
from koppel.records import RelationKind
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_accountview.debtors import search_code
from koppel_accountview.schema import CREDITORS, DEBTORS, Table
from koppel_accountview.settings import AccountViewSettings
from koppel_accountview.wire import present

__all__ = ["Relations", "side_of"]

#: The business object of each side of the ledger.
_SIDES = {RelationKind.DEBTOR.value: DEBTORS, RelationKind.CREDITOR.value: CREDITORS}


def side_of(kind: Any, record: str | None) -> Table:
    """The table (``AR1`` or ``AP1``) of a relation of ``kind``.

    :raises ValidationError: naming ``kind`` when it is neither debtor nor creditor.
    """
    table = _SIDES.get(str(kind or RelationKind.DEBTOR.value))
    if table is None:
        raise ValidationError(
            f"relation kind {kind!r} is neither debtor nor creditor",
            record=record,
            entity="relations",
            field="kind",
        )
    return table


class Relations(Resource):
    """Debtors and creditors found by number in both business objects (a filtered read of
    up to 50 numbers each), created with the collective account of their side."""

    entity = "relations"
    match_keys = {"number": "SUB_NR"}
    description = "debtors (AR1) and creditors (AP1), table CONTACT, matched by number"

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Relations by number; each found carries its side as ``kind`` in its data."""
        found: dict[str, TargetRecord | Ambiguous] = {}
        for kind, table in _SIDES.items():
            wanted = [value for value in values if value not in found]
            if not wanted:
                break
            for value, match in self.client.find(table, "SUB_NR", wanted).items():
                if isinstance(match, TargetRecord):
                    match = TargetRecord(id=match.id, data={**match.data, "kind": kind})
                found[value] = match
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        fields = present(payload)
        record = str(fields.get("SUB_NR") or target_id or "") or None
        table = side_of(fields.pop("kind", None), record)
        settings: AccountViewSettings = self.settings
        if action == Action.CREATE:
            if not fields.get("SUB_NR"):
                raise ValidationError(
                    "the relation has no number to create it under in AccountView",
                    record=record,
                    entity="relations",
                    field="number",
                )
            account = settings.debtor_account if table is DEBTORS else settings.creditor_account
            fields.setdefault("ACCT_NR", account)
            fields.setdefault("SRC_CODE", search_code(fields))
            stored = self.client.write(table, fields, record=record)
        else:
            fields.pop("SUB_NR", None)
            stored = self.client.write(
                table, {"SUB_NR": target_id, **fields}, update=target_id, record=record
            )
        return WriteResult(
            target_id=str(stored.get("SUB_NR") or fields.get("SUB_NR") or target_id),
            response=stored,
        )
