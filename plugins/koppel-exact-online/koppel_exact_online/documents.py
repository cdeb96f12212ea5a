"""Documents (orders, invoices, entries) made ready for Exact Online in one pass.

Outbound mappings may name related records by what the source knows: an
account by e-mail address (a value with ``@``) or code, an item by code (with
``_barcode`` as fallback), a GL account by code. Before the payload is sent,
each such value becomes the record's guid from the run's lookup caches, so a
document costs one POST and no lookups of its own. Keys starting with ``_``
are instructions for the plugin and never sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

import attrs

from koppel.errors import ValidationError
from koppel_exact_online.client import SYSTEM
from koppel_exact_online.entity_sets import (
    ACCOUNTS,
    GENERAL_JOURNAL_ENTRIES,
    GL_ACCOUNTS,
    ITEMS,
    EntitySet,
)
from koppel_exact_online.lookups import AmbiguousMatch, Lookups, Used, is_guid
from koppel_exact_online.settings import ExactSettings

__all__ = ["ACCOUNT_FIELDS", "Prepared", "prepare_document"]

#: Header fields that refer to an account.
ACCOUNT_FIELDS = (
    "OrderedBy",
    "InvoiceTo",
    "DeliverTo",
    "Customer",
    "Supplier",
    "OrderAccount",
    "InvoiceAccount",
    "DeliveryAccount",
)


class _Resolver:
    """Turns codes and e-mail addresses in a payload into guids, naming what is missing."""

    def __init__(self, lookups: Lookups, entity: str, record: str | None) -> None:
        self.lookups = lookups
        self.entity = entity
        self.record = record
        self.missing: list[str] = []
        self.ambiguous: list[str] = []
        #: The lookups made, for :meth:`Lookups.verify` when Exact refuses the document.
        self.used: list[Used] = []

    def account(self, value: Any, field: str) -> Any:
        if value in (None, "") or is_guid(value):
            return value
        what = f"account {value!r} ({field})"
        text = str(value).strip()
        self.used.append((ACCOUNTS, "Email" if "@" in text else "Code", text))
        return self._id(value, partial(self.lookups.account, value), what)

    def supplier(self, code: Any, vat_number: Any, name: Any, field: str = "Supplier") -> Any:
        """The supplier's account (in ``field``): by its code, else by its VAT number."""
        if is_guid(code):
            return code
        found = None
        try:
            if code not in (None, ""):
                self.used.append((ACCOUNTS, "Code", code))
                found = self.lookups.one(ACCOUNTS, "Code", code)
            if found is None and vat_number:
                self.used.append((ACCOUNTS, "VATNumber", vat_number))
                found = self.lookups.one(ACCOUNTS, "VATNumber", vat_number)
        except AmbiguousMatch as exc:
            self.ambiguous.append(f"supplier {name or code or vat_number!r}: {exc.message}")
            return code
        if found is None:
            self.missing.append(
                f"supplier {name or code or vat_number!r} ({field}: code {code!r}, "
                + f"VAT number {vat_number!r}; make it an account with that code or VAT number)"
            )
            return code
        return found["ID"]

    def item(self, value: Any, barcode: Any) -> Any:
        if is_guid(value):
            return value
        if value:
            self.used.append((ITEMS, "Code", value))
        if barcode:
            self.used.append((ITEMS, "Barcode", barcode))
        found = partial(self.lookups.item, code=value, barcode=barcode)
        return self._id(value, found, f"item {value or barcode!r}")

    def gl_account(self, value: Any) -> Any:
        if value in (None, "") or is_guid(value):
            return value
        self.used.append((GL_ACCOUNTS, "Code", value))
        return self._id(value, partial(self.lookups.gl_account, value), f"GL account {value!r}")

    def _id(self, value: Any, find: Callable[[], Mapping[str, Any] | None], what: str) -> Any:
        """The guid of the one record ``find`` answers, or ``value`` with ``what`` noted as
        missing or as ambiguous (several records share it)."""
        try:
            found = find()
        except AmbiguousMatch as exc:
            self.ambiguous.append(f"{what}: {exc.message}")
            return value
        if found is None:
            self.missing.append(what)
            return value
        return found["ID"]

    def check(self) -> None:
        problems = []
        if self.missing:
            problems.append("not found in Exact Online: " + ", ".join(dict.fromkeys(self.missing)))
        problems.extend(dict.fromkeys(self.ambiguous))
        if problems:
            raise ValidationError(
                "; ".join(problems),
                system=SYSTEM,
                entity=self.entity,
                record=self.record,
                missing=list(dict.fromkeys(self.missing)),
            )


@attrs.frozen
class Prepared:
    """A document ready to send: its ``body``, the ``reference`` it is found by and the
    lookups that resolved its related records (``used``)."""

    body: dict[str, Any]
    reference: str | None
    used: list[Used]


def _read_ahead(body: Mapping[str, Any], target: EntitySet, lookups: Lookups) -> None:
    """Look every code the document names up at once: one read per kind, not per line."""
    wanted: dict[tuple[EntitySet, str], list[Any]] = {}

    def want(entity_set: EntitySet, field: str, value: Any) -> None:
        if value not in (None, "") and not is_guid(value):
            wanted.setdefault((entity_set, field), []).append(value)

    for field in ACCOUNT_FIELDS:
        text = str(body.get(field) or "").strip()
        want(ACCOUNTS, "Email" if "@" in text else "Code", text)
    for line in body.get(target.lines, ()) if target.lines else ():
        want(ITEMS, "Code", line.get("Item"))
        want(GL_ACCOUNTS, "Code", line.get("GLAccount"))
        text = str(line.get("Account") or "").strip()
        want(ACCOUNTS, "Email" if "@" in text else "Code", text)
        want(ACCOUNTS, "Code", line.get("_creditor"))
    for (entity_set, field), values in wanted.items():
        lookups.indexes[entity_set].find(field, values)


def prepare_document(
    body: dict[str, Any],
    target: EntitySet,
    settings: ExactSettings,
    lookups: Lookups,
    *,
    entity: str,
) -> Prepared:
    """``body`` (JSON-ready) completed for ``target``, with the reference it is found by.

    :raises ValidationError: naming every related record Exact does not have, a
        direct sales invoice without a warehouse, or a journal entry that does not balance.
    """
    reference = body.get(target.reference) if target.reference else None
    if target is GENERAL_JOURNAL_ENTRIES:
        # The header has no reference: the first (debtor) line carries it as its description.
        lines = body.get("GeneralJournalEntryLines") or []
        reference = body.pop("_reference", None)
        if reference and lines:
            lines[0]["Description"] = str(reference)
        entry_date = body.pop("_date", None)
        for line in lines:
            if entry_date and not line.get("Date"):
                line["Date"] = entry_date
    record = str(reference) if reference else None
    _read_ahead(body, target, lookups)
    resolver = _Resolver(lookups, entity, record)
    if "_supplier_vat" in body or "_supplier_name" in body:
        vat_number, name = body.pop("_supplier_vat", None), body.pop("_supplier_name", None)
        body["Supplier"] = resolver.supplier(body.get("Supplier"), vat_number, name)
    for field in ACCOUNT_FIELDS:
        if field in body:
            body[field] = resolver.account(body[field], field)
    lines = [dict(line) for line in body.get(target.lines, ())] if target.lines else []
    for line in lines:
        barcode = line.pop("_barcode", None)
        if "Item" in line or barcode:
            line["Item"] = resolver.item(line.get("Item"), barcode)
        if "GLAccount" in line:
            line["GLAccount"] = resolver.gl_account(line["GLAccount"])
        if "Account" in line:
            line["Account"] = resolver.account(line["Account"], "Account")
        if line.get("_creditor"):
            creditor = line["_creditor"]  # a creditor line's: a code, else a VAT number
            line["Account"] = resolver.supplier(creditor, creditor, None, "creditor line Account")
        for key in [k for k in line if k.startswith("_")]:
            del line[key]
    if target.lines:
        body[target.lines] = lines
    if target.doc_type is not None:
        body["Type"] = target.doc_type
    if target.doc_type == 8023 and not body.get("Warehouse"):
        if not settings.warehouse:
            raise ValidationError(
                "a direct sales invoice needs a Warehouse (setting `warehouse`)",
                system=SYSTEM,
                field="Warehouse",
            )
        body["Warehouse"] = settings.warehouse
    if target is GENERAL_JOURNAL_ENTRIES:
        body.setdefault("JournalCode", settings.journal)
        total = sum((Decimal(str(line.get("AmountFC", 0))) for line in lines), Decimal(0))
        if total != 0:
            raise ValidationError(
                f"journal entry does not balance: its lines sum to {total}, not 0",
                system=SYSTEM,
                entity=entity,
                record=record,
            )
    journal = getattr(settings, target.journal_setting) if target.journal_setting else None
    if journal:
        body.setdefault("Journal", journal)
    resolver.check()
    return Prepared(body, record, resolver.used)
