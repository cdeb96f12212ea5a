"""Writing records to Exact Online: references resolved from the run's caches, then one call.

Outbound mappings may name related records by what the source knows: an
account by e-mail address (a value with ``@``) or code, an item by code (with
``_barcode`` as fallback), a GL account by code. Before the payload is sent,
each such value becomes the record's guid from the run's lookup caches, so a
document costs one POST and no lookups of its own. Keys starting with ``_``
are instructions for the plugin and never sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from koppel.errors import ConfigurationError, RejectedError, ValidationError
from koppel.records import OrderType
from koppel.sync import Action, Connection, WriteResult
from koppel_exact_online.client import SYSTEM, ExactClient
from koppel_exact_online.lookups import Lookups, is_guid
from koppel_exact_online.odata import pad_code
from koppel_exact_online.resources import (
    ACCOUNTS,
    CONTACTS,
    GENERAL_JOURNAL_ENTRIES,
    GENERAL_JOURNAL_ENTRY_LINES,
    ITEMS,
    PURCHASE_ENTRIES,
    SALES_ENTRIES,
    Resource,
    resource_for_order_type,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "LINE_FIELDS",
    "invoice_kind",
    "jsonable",
    "order_type_of",
    "resource_for",
    "write",
]

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
#: The field holding a document's lines, per resource.
LINE_FIELDS = {
    "SalesOrders": "SalesOrderLines",
    "Quotations": "QuotationLines",
    "SalesInvoices": "SalesInvoiceLines",
    "SalesEntries": "SalesEntryLines",
    "PurchaseEntries": "PurchaseEntryLines",
    "GeneralJournalEntries": "GeneralJournalEntryLines",
}
_WRITE_ENTITIES: dict[str, Resource] = {
    "customers": ACCOUNTS,
    "relations": ACCOUNTS,
    "products": ITEMS,
    "journal_entries": GENERAL_JOURNAL_ENTRIES,
}
#: Entries Exact books at once; it does not change them afterwards.
_POSTED = frozenset({"SalesEntries", "PurchaseEntries", "GeneralJournalEntries"})


def order_type_of(connection: Connection) -> OrderType:
    """The order type a connection writes orders as (setting ``order_type``, default order)."""
    raw = connection.settings.get("order_type") or OrderType.ORDER
    resource_for_order_type(raw)  # refuses an unknown name with a clear error
    return OrderType(raw)


def invoice_kind(connection: Connection) -> str:
    """``sales`` (sales entries) or ``purchase`` (purchase entries): setting ``invoice_kind``.

    :raises ConfigurationError: for another value.
    """
    kind = str(connection.settings.get("invoice_kind") or "sales")
    if kind not in ("sales", "purchase"):
        raise ConfigurationError(
            f"invoice_kind must be 'sales' or 'purchase', not {kind!r}",
            system=SYSTEM,
            field="invoice_kind",
        )
    return kind


def resource_for(connection: Connection, entity: str) -> Resource:
    """The resource ``entity`` is written to on this connection."""
    if entity == "orders":
        return resource_for_order_type(connection.settings.get("order_type"))
    if entity == "invoices":
        return PURCHASE_ENTRIES if invoice_kind(connection) == "purchase" else SALES_ENTRIES
    try:
        return _WRITE_ENTITIES[entity]
    except KeyError:
        raise RejectedError(
            f"Exact Online cannot write {entity!r}", system=SYSTEM, entity=entity
        ) from None


def jsonable(value: Any) -> Any:
    """``value`` with Decimals as numbers and dates as ISO text, ready for JSON."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class _Resolver:
    """Turns codes and e-mail addresses in a payload into guids, naming what is missing."""

    def __init__(self, lookups: Lookups, entity: str, record: str | None) -> None:
        self.lookups = lookups
        self.entity = entity
        self.record = record
        self.missing: list[str] = []

    def account(self, value: Any, field: str) -> Any:
        if value in (None, "") or is_guid(value):
            return value
        found = self.lookups.account(value)
        if found is None:
            self.missing.append(f"account {value!r} ({field})")
            return value
        return found["ID"]

    def item(self, value: Any, barcode: Any) -> Any:
        if is_guid(value):
            return value
        found = self.lookups.item(code=value, barcode=barcode)
        if found is None:
            self.missing.append(f"item {value or barcode!r}")
            return value
        return found["ID"]

    def gl_account(self, value: Any) -> Any:
        if value in (None, "") or is_guid(value):
            return value
        found = self.lookups.gl_account(value)
        if found is None:
            self.missing.append(f"GL account {value!r}")
            return value
        return found["ID"]

    def check(self) -> None:
        if self.missing:
            raise ValidationError(
                "not found in Exact Online: " + ", ".join(dict.fromkeys(self.missing)),
                system=SYSTEM,
                entity=self.entity,
                record=self.record,
                missing=list(dict.fromkeys(self.missing)),
            )


def _prepare_document(
    connection: Connection, resource: Resource, payload: dict[str, Any], resolver: _Resolver
) -> dict[str, Any]:
    for field in ACCOUNT_FIELDS:
        if field in payload:
            payload[field] = resolver.account(payload[field], field)
    lines_field = LINE_FIELDS.get(resource.name)
    lines = [dict(line) for line in payload.get(lines_field, ())] if lines_field else []
    for line in lines:
        barcode = line.pop("_barcode", None)
        if "Item" in line or barcode:
            line["Item"] = resolver.item(line.get("Item"), barcode)
        if "GLAccount" in line:
            line["GLAccount"] = resolver.gl_account(line["GLAccount"])
        if "Account" in line:
            line["Account"] = resolver.account(line["Account"], "Account")
        for key in [k for k in line if k.startswith("_")]:
            del line[key]
    if lines_field:
        payload[lines_field] = lines
    if resource.doc_type is not None:
        payload["Type"] = resource.doc_type
    if resource.doc_type == 8023 and not payload.get("Warehouse"):
        warehouse = connection.settings.get("warehouse")
        if not warehouse:
            raise ValidationError(
                "a direct sales invoice needs a Warehouse (setting `warehouse`)",
                system=SYSTEM,
                field="Warehouse",
            )
        payload["Warehouse"] = warehouse
    if resource is GENERAL_JOURNAL_ENTRIES:
        payload.setdefault("JournalCode", connection.settings.get("journal", "90"))
        total = sum((Decimal(str(line.get("AmountFC", 0))) for line in lines), Decimal(0))
        if total != 0:
            raise ValidationError(
                f"journal entry does not balance: its lines sum to {total}, not 0",
                system=SYSTEM,
                entity="journal_entries",
                record=resolver.record,
            )
    if resource.name in ("SalesEntries", "SalesInvoices") and connection.settings.get(
        "sales_journal"
    ):
        payload.setdefault("Journal", connection.settings["sales_journal"])
    if resource is PURCHASE_ENTRIES and connection.settings.get("purchase_journal"):
        payload.setdefault("Journal", connection.settings["purchase_journal"])
    return payload


def write(
    connection: Connection,
    client: ExactClient,
    lookups: Lookups,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    """Create or update one record and keep the run's caches current."""
    resource = resource_for(connection, entity)
    body: dict[str, Any] = jsonable(dict(payload))
    contact = body.pop("Contact", None) if resource is ACCOUNTS else None
    reference = body.get(resource.reference) if resource.reference else None
    found_by = resource
    if resource is GENERAL_JOURNAL_ENTRIES:
        # The header has no reference: the first (debtor) line carries it as its description.
        found_by = GENERAL_JOURNAL_ENTRY_LINES
        lines = body.get("GeneralJournalEntryLines") or []
        reference = body.pop("_reference", None)
        if reference and lines:
            lines[0]["Description"] = str(reference)
        entry_date = body.pop("_date", None)
        for line in lines:
            if entry_date and not line.get("Date"):
                line["Date"] = entry_date
    record = str(reference or body.get("Code") or body.get("Email") or "") or None
    if resource is ACCOUNTS and body.get("Code"):
        body["Code"] = pad_code(body["Code"])
    resolver = _Resolver(lookups, entity, record)
    if resource not in (ACCOUNTS, ITEMS):
        body = _prepare_document(connection, resource, body, resolver)
    resolver.check()
    body = {k: v for k, v in body.items() if not k.startswith("_")}
    if action is Action.UPDATE:
        if target_id is None:
            raise RejectedError("an update needs the target's id", system=SYSTEM, entity=entity)
        if resource.name in _POSTED:
            raise RejectedError(
                f"Exact Online does not change booked {resource.name}; reverse and book again",
                system=SYSTEM,
                entity=entity,
                record=target_id,
            )
        lines_field = LINE_FIELDS.get(resource.name)
        if lines_field:
            body.pop(lines_field, None)  # lines change through their own endpoint
        client.update(resource, target_id, body)
        _index(lookups, resource, {**body, "ID": target_id})
        return WriteResult(target_id=target_id, response={})
    created = client.create(resource, body)
    key = str(created[resource.key])
    _index(lookups, resource, created)
    if reference:
        lookups.remember(found_by, str(reference), key)
    if contact:
        client.create(CONTACTS, {**contact, "Account": key})
    return WriteResult(target_id=key, response=created)


def _index(lookups: Lookups, resource: Resource, row: Mapping[str, Any]) -> None:
    if resource is ACCOUNTS:
        lookups.accounts.add(row)
    elif resource is ITEMS:
        lookups.items.add(row)
