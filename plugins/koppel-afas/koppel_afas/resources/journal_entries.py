"""Journal entries (financial mutations, *memoriaalboekingen*) through ``FiEntries``,
written once and balanced; found by voucher number (``BpNr``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from koppel.errors import ConfigurationError, UncertainOutcomeError, ValidationError
from koppel.records import to_date, to_decimal
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult, one_match
from koppel_afas.bodies import journal_body
from koppel_afas.resources._base import AfasResource

__all__ = ["JournalEntries"]


class JournalEntries(AfasResource):
    """One entry per record: FiEntryPar (year, period, journal) with a line per account."""

    entity = "journal_entries"
    role = "journal_entries"
    description = "journal entries (financiële mutaties), balanced, by voucher number"
    match_keys = {"number": "VoucherNumber"}
    update = False

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Entries by voucher number (the rows are lines: one record per entry number)."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.lookup(self.role, "VoucherNumber", values):
            voucher = str(row.get("VoucherNumber") or "").strip()
            found.setdefault(voucher, {})[str(row["EntryNumber"])] = row
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            entries = sorted(found.get(str(value).strip(), {}), key=lambda n: (len(n), n))
            match = one_match(
                TargetRecord(id=n, data={"BpNr": str(value).strip()}) for n in entries
            )
            if match is not None:
                answer[value] = match
        return answer

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) a balanced entry: a debit (AmDe) or credit (AmCr) line per account.

        :raises ValidationError: for an unbalanced entry, one without lines or date, or
            without a journal; before anything is written.
        """
        voucher = payload.get("BpNr")
        context: dict[str, Any] = {"entity": self.entity, "record": voucher}
        if action is not Action.CREATE:
            raise ConfigurationError("journal entries are written once, never updated", **context)
        lines = list(payload.get("Lines") or ())
        if not lines:
            raise ValidationError("the journal entry has no lines", field="lines", **context)
        try:
            amounts = [to_decimal(line.get("_amount")) for line in lines]
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"a journal line's amount: {exc}", field="lines", **context
            ) from None
        balance = sum(amounts, Decimal(0))
        if balance != 0:
            raise ValidationError(
                f"the journal entry is not balanced: its lines sum to {balance}",
                field="lines",
                **context,
            )
        try:
            day = to_date(payload.get("_date"))
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"the entry date: {exc}", field="entry_date", **context) from None
        journal = payload.get("JoCo") or self.settings.journal
        if not journal:
            raise ValidationError(
                "AFAS books an entry in a journal: set the connection's journal or map JoCo",
                field="JoCo",
                **context,
            )
        header = {"Year": day.year, "Peri": day.month, "JoCo": str(journal)}
        if self.settings.administration is not None:
            header["UnId"] = self.settings.administration
        rows = []
        for line, amount in zip(lines, amounts, strict=True):
            row = {k: v for k, v in line.items() if not k.startswith("_") and v is not None}
            row.update(
                VaAs=row.get("VaAs") or "1",
                EnDa=day.isoformat(),
                BpDa=day.isoformat(),
                AmDe=amount if amount > 0 else Decimal(0),
                AmCr=-amount if amount < 0 else Decimal(0),
            )
            if voucher:
                row["BpNr"] = voucher
            rows.append(row)
        results = self.client.insert("FiEntries", journal_body(header, rows), context=context)
        number = results.get("FiEntries", {}).get("EnNo")
        if not number:
            raise UncertainOutcomeError("AFAS answered the entry without its EnNo", **context)
        return WriteResult(target_id=str(number), response=results)
