"""Purchase invoices (*inkoopfacturen*) booked as Exact Online purchase entries.

A canonical :class:`koppel.records.PurchaseInvoice` (from core's ``booking`` system, or
any source of purchase invoices) becomes one ``purchaseentry/PurchaseEntries`` record
with its ``PurchaseEntryLines`` (REFERENCE.md, "Purchase entries"): the supplier's
account found by its code, else by its VAT number; each line's GL account by its code;
the invoice number as ``YourRef``; the journal from the setting ``purchase_journal``.
Two suppliers may use one invoice number, so an invoice is the same only with the same
supplier and ``YourRef``: it is never booked twice, also when its binding was lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.accounting import tax_tables
from koppel.connector import OutboundMap
from koppel.errors import ValidationError
from koppel.records import to_decimal
from koppel.sync import Action, TargetRecord, WriteResult
from koppel_exact_online.client import SYSTEM
from koppel_exact_online.documents import Prepared
from koppel_exact_online.entity_sets import PURCHASE_ENTRIES, EntitySet
from koppel_exact_online.resources._base import Document

__all__ = ["PurchaseInvoices"]


class PurchaseInvoices(Document):
    entity = "purchase_invoices"
    #: The invoice number, which Exact holds as ``YourRef``; an invoice is the same only
    #: with the same supplier too (see :meth:`find`).
    match_keys = {"number": "YourRef"}
    #: Exact books an entry at once; koppel never changes one it wrote.
    update = False
    description = (
        "purchase invoices booked as purchase entries (purchaseentry/PurchaseEntries), "
        "matched by supplier and invoice number (YourRef)"
    )

    def target(self) -> EntitySet:
        return PURCHASE_ENTRIES

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord]:
        """No entry by number alone: another supplier's invoice may have that number. The
        entries with these numbers are read here (25 numbers a call), so that
        :meth:`upsert` tells by their ``Supplier`` whether the invoice is booked already,
        without a call of its own."""
        self.lookups.entries(PURCHASE_ENTRIES, [str(v) for v in values], ("Supplier",))
        return {}

    def map_outbound(self, request: OutboundMap) -> Mapping[str, Any] | None:
        """Each line's ``vat_code`` from the flow's ``[lookups.vat_codes]`` (by rate, in the
        ``home_country``), else none: Exact then takes the GL account's VAT code."""
        if not hasattr(request.mapping, "apply"):
            return None
        vat_codes, _ = tax_tables(getattr(request.mapping, "lookups", None), system=SYSTEM)
        country = self.settings.home_country or "NL"
        lines = []
        for line in request.data.get("lines") or ():
            rate = line.get("vat_rate")
            code = None
            if vat_codes is not None and rate not in (None, ""):
                code = vat_codes.lookup(to_decimal(rate), country)
            lines.append({**line, "vat_code": code})
        data = {**request.data, "lines": lines}
        return request.apply(data, record_id=data.get("id"))

    def prepare(self, payload: Mapping[str, Any]) -> Prepared:
        """The entry with its supplier and GL accounts resolved; the setting
        ``purchase_journal`` wins over the mapping's journal.

        :raises ValidationError: naming the field when the invoice has no number or a line
            no GL account, or naming the supplier Exact does not have.
        """
        body = dict(payload)
        if not str(body.get("YourRef") or "").strip():
            raise ValidationError(
                "a purchase invoice needs its number (YourRef): by it and the supplier it is "
                + "booked only once",
                system=SYSTEM,
                entity=self.entity,
                field="number",
            )
        for n, line in enumerate(body.get("PurchaseEntryLines") or (), start=1):
            if line.get("GLAccount") in (None, ""):
                raise ValidationError(
                    f"line {n} has no GL account (gl_account): Exact books every purchase "
                    + "entry line on one",
                    system=SYSTEM,
                    entity=self.entity,
                    record=str(body["YourRef"]),
                    field=f"lines[{n - 1}].gl_account",
                )
        if self.settings.purchase_journal:
            body["Journal"] = self.settings.purchase_journal
        return super().prepare(body)

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Book the invoice, unless the supplier has an entry with its number already
        (then that entry is the invoice's, and nothing is written)."""
        prepared = self.prepare(payload)
        reference, supplier = prepared.reference, str(prepared.body.get("Supplier") or "")
        if action is Action.CREATE and reference:
            found = self.lookups.entries(PURCHASE_ENTRIES, [reference], ("Supplier",))
            for row in found.get(reference, ()):
                if str(row.get("Supplier") or "").lower() == supplier.lower():
                    entry = str(row[PURCHASE_ENTRIES.key])
                    note = "booked before: the supplier has an entry with this YourRef"
                    return WriteResult(
                        target_id=entry,
                        response={"EntryID": entry, "YourRef": reference, "note": note},
                    )
        return self.send(action, payload, prepared, target_id)
