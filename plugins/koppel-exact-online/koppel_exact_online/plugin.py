"""Exact Online's hook implementations (entry point ``exact-online``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from koppel.errors import ConfigurationError
from koppel.http import OAuth2Config
from koppel.mapping import packaged_mapping
from koppel.plugins import hookimpl
from koppel.records import OrderType
from koppel.sandbox import Sandbox
from koppel.sync import Action, Connection, Direction, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, Setting, SystemInfo
from koppel_exact_online.booking import journal_entry_for, looks_like_order
from koppel_exact_online.client import HOSTS, SYSTEM, client_for
from koppel_exact_online.client import oauth_config as _oauth_config
from koppel_exact_online.functions import FUNCTIONS
from koppel_exact_online.lookups import lookups_for
from koppel_exact_online.reads import read_entity
from koppel_exact_online.resources import (
    GENERAL_JOURNAL_ENTRY_LINES,
    PURCHASE_ENTRIES,
    SALES_ENTRIES,
    resource_for_order_type,
)
from koppel_exact_online.writes import invoice_kind, order_type_of, write

_ENTITIES = (
    EntityInfo(
        name="customers",
        read=True,
        write=True,
        match_keys=("email",),
        description="accounts with status C (crm/Accounts); a company gets its person as contact",
    ),
    EntityInfo(
        name="relations",
        read=True,
        write=True,
        match_keys=("number", "email"),
        description="debtors and creditors (crm/Accounts), matched by code, then e-mail",
    ),
    EntityInfo(
        name="products",
        read=True,
        write=True,
        match_keys=("sku", "ean"),
        description="items (logistics/Items), matched by code, then barcode",
    ),
    EntityInfo(name="stock", read=True, description="stock positions per item (read only)"),
    EntityInfo(
        name="orders",
        read=True,
        write=True,
        match_keys=("number",),
        description="sales orders; written per order type (quotation, order, invoice, entry)",
    ),
    EntityInfo(
        name="invoices",
        write=True,
        match_keys=("number",),
        description=(
            "invoices without articles: sales entries (salesentry/SalesEntries), or with "
            "invoice_kind = purchase, purchase entries (purchaseentry/PurchaseEntries)"
        ),
    ),
    EntityInfo(
        name="journal_entries",
        write=True,
        match_keys=("reference",),
        description="general journal entries (financial mutations), balanced",
    ),
)

_SETTINGS = (
    Setting(name="region", description=f"host: {', '.join(sorted(HOSTS))}", default="nl"),
    Setting(name="base_url", description="overrides region (e.g. a sandbox URL)"),
    Setting(name="division", type="int", description="company number; default: current/Me"),
    Setting(name="client_id", required=True, secret=True, description="App Center client id"),
    Setting(name="client_secret", required=True, secret=True, description="App Center secret"),
    Setting(name="redirect_uri", description="the app's registered redirect URI"),
    Setting(name="order_type", default="order", description="what orders become in Exact"),
    Setting(name="journal", default="90", description="general journal code"),
    Setting(name="journal_level", default="recommended", description="financial mutation level"),
    Setting(name="accounts", type="table", description="GL accounts for financial mutations"),
    Setting(name="sales_journal", description="sales journal code (sales entries, invoices)"),
    Setting(name="purchase_journal", description="purchase journal code (purchase entries)"),
    Setting(name="warehouse", description="warehouse guid: enables direct sales invoices"),
    Setting(name="invoice_kind", default="sales", description="invoices as sales or purchase"),
)


@hookimpl
def koppel_system() -> SystemInfo:
    return SystemInfo(
        name=SYSTEM,
        title="Exact Online",
        entities=_ENTITIES,
        settings=_SETTINGS,
        description="Exact Online REST API: OData v2, Sync API, OAuth2 with rotating tokens",
    )


@hookimpl
def fetch_records(
    connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterable[SourceRecord]:
    return read_entity(client_for(connection), entity, cursor)


def mapping_name(connection: Connection, entity: str, direction: Direction) -> str:
    """The file name of the default mapping for ``entity`` in ``direction``."""
    if entity == "orders" and direction is Direction.OUTBOUND:
        return f"orders.{order_type_of(connection).value}.outbound.toml"
    if entity == "invoices" and direction is Direction.OUTBOUND:
        return f"invoices.{invoice_kind(connection)}.outbound.toml"
    return f"{entity}.{Direction(direction).value}.toml"


@hookimpl
def default_mapping(
    connection: Connection, entity: str, direction: Direction
) -> Mapping[str, Any] | None:
    """The shipped mapping for ``entity``, per order type or invoice kind where they differ."""
    return packaged_mapping("koppel_exact_online", mapping_name(connection, entity, direction))


@hookimpl(tryfirst=True)
def map_record(
    connection: Connection,
    entity: str,
    direction: Direction,
    data: Mapping[str, Any],
    mapping: Any,
    action: Action | None,
    existing: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """Refuse an unsupported order type; book a financial mutation, then map the entry."""
    if entity != "orders" or direction is not Direction.OUTBOUND:
        return None
    wanted = data.get("order_type")
    if wanted and OrderType(wanted) not in _order_types(connection):
        raise ConfigurationError(
            f"Exact Online does not take order type {OrderType(wanted).value!r} here; "
            + "direct_invoice needs the setting `warehouse` and the Wholesale & Distribution "
            + "or Manufacturing edition",
            system=SYSTEM,
            connection=connection.name,
            field="order_type",
        )
    if (
        order_type_of(connection) is not OrderType.FINANCIAL_MUTATION
        or not looks_like_order(data)
        or not hasattr(mapping, "apply")
    ):
        return None
    entry = journal_entry_for(connection, data)
    result: dict[str, Any] = mapping.apply(
        entry, action=action, existing=existing, record_id=entry.get("reference")
    )
    return result


@hookimpl
def find_existing(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> Mapping[str, TargetRecord]:
    lookups = lookups_for(connection, client_for(connection))
    found: dict[str, TargetRecord] = {}
    if entity in ("customers", "relations", "products"):
        for value in values:
            row = None
            if match_key == "email":
                row = lookups.accounts.get("Email", value)
            elif match_key == "number":
                row = lookups.accounts.get("Code", value)
            elif match_key == "sku":
                row = lookups.items.get("Code", value)
            elif match_key == "ean":
                row = lookups.items.get("Barcode", value)
            if row is not None:
                found[value] = TargetRecord(id=str(row["ID"]), data=row)
        return found
    if entity == "orders":
        kind = order_type_of(connection)
        resource = (
            GENERAL_JOURNAL_ENTRY_LINES
            if kind is OrderType.FINANCIAL_MUTATION
            else resource_for_order_type(kind)
        )
    elif entity == "journal_entries":
        resource = GENERAL_JOURNAL_ENTRY_LINES
    elif entity == "invoices":
        resource = PURCHASE_ENTRIES if invoice_kind(connection) == "purchase" else SALES_ENTRIES
    else:
        return found
    ids = lookups.documents(resource, [str(v) for v in values])
    return {value: TargetRecord(id=key) for value, key in ids.items()}


@hookimpl
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    client = client_for(connection)
    return write(
        connection, client, lookups_for(connection, client), entity, action, payload, target_id
    )


@hookimpl
def mapping_functions() -> Mapping[str, Callable[..., Any]]:
    return FUNCTIONS


def _order_types(connection: Connection) -> tuple[OrderType, ...]:
    """Every order type; a direct sales invoice (Type 8023) only with a ``warehouse`` set."""
    if connection.settings.get("warehouse"):
        return tuple(OrderType)
    return tuple(t for t in OrderType if t is not OrderType.DIRECT_INVOICE)


@hookimpl
def supports_order_types(connection: Connection) -> Iterable[OrderType]:
    return _order_types(connection)


@hookimpl
def oauth_config(connection: Connection) -> OAuth2Config:
    return _oauth_config(connection)


@hookimpl
def koppel_sandbox(seed: int, volume: int | None) -> Sandbox:
    """The Exact Online emulator; ``volume`` accounts, items and sales orders each."""
    from koppel_exact_online.sandbox import make_sandbox

    if volume is None:
        return make_sandbox(seed=seed)
    return make_sandbox(seed=seed, customers=volume, products=volume, orders=volume)
