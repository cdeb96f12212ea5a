"""The koppel hooks of the Visma eAccounting connector (entry point ``eaccounting``).

Hook implementations only; the work is done in :mod:`~koppel_eaccounting.reading`,
:mod:`~koppel_eaccounting.writing` and :mod:`~koppel_eaccounting.orders`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from koppel.http import OAuth2Config
from koppel.mapping import MappingSpec, packaged_mapping
from koppel.plugins import hookimpl
from koppel.records import OrderType
from koppel.sandbox import Sandbox
from koppel.sync import Action, Connection, Direction, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, Setting, SystemInfo
from koppel_eaccounting import reading, writing
from koppel_eaccounting.client import SYSTEM
from koppel_eaccounting.client import oauth_config as _oauth_config
from koppel_eaccounting.functions import FUNCTIONS
from koppel_eaccounting.orders import ORDER_TYPES
from koppel_eaccounting.session import session_for

SETTINGS = (
    Setting(
        name="client_id",
        description="the app's client id (developer.vismaonline.com)",
        required=True,
        secret=True,
    ),
    Setting(
        name="client_secret", description="the app's client secret", required=True, secret=True
    ),
    Setting(name="redirect_uri", description="the redirect URI registered for the app"),
    Setting(
        name="sandbox",
        type="bool",
        default=False,
        description="use Visma's sandbox hosts (eaccountingapi-sandbox.test.vismaonline.com)",
    ),
    Setting(name="api_url", description="override the API base URL"),
    Setting(name="identity_url", description="override the identity server URL"),
    Setting(name="scope", default="ea:api offline_access ea:sales", description="OAuth scopes"),
    Setting(name="page_size", type="int", default=500, description="records per page"),
    Setting(
        name="order_type",
        default="order",
        description="what an order becomes: order, or invoice (an invoice draft)",
    ),
    Setting(
        name="default_customer",
        description="customer number that every order goes to (default debtor)",
    ),
    Setting(
        name="default_terms_of_payment",
        default="30",
        description="terms of payment for new customers: name or number of days",
    ),
    Setting(name="default_unit", default="st", description="unit of new articles"),
    Setting(
        name="default_coding",
        description="account coding of new articles (name); else chosen by VAT rate",
    ),
    Setting(name="shipping_article", description="article number for shipping cost rows"),
    Setting(name="fee_article", description="article number for fee rows"),
    Setting(name="discount_article", description="article number for discount rows"),
    Setting(
        name="stock_formula",
        default="available",
        description="stock to write: available, on_hand or a formula",
    ),
    Setting(
        name="manages_stock",
        type="bool",
        default=True,
        description="false: stock flows write nothing",
    ),
)

ENTITIES = (
    EntityInfo(
        name="orders",
        read=True,
        write=True,
        match_keys=("number",),
        description="sales orders; written as orders or invoice drafts",
    ),
    EntityInfo(
        name="customers",
        read=True,
        write=True,
        match_keys=("email",),
        description="customers (debtors), companies with a contact person or persons",
    ),
    EntityInfo(
        name="products",
        read=True,
        write=True,
        match_keys=("sku", "ean"),
        description="articles, by number (SKU) or barcode (EAN)",
    ),
    EntityInfo(
        name="stock",
        read=True,
        write=True,
        match_keys=("sku",),
        description="stock balance of articles",
    ),
)


@hookimpl
def koppel_system() -> SystemInfo:
    """Visma eAccounting: its entities, match keys and settings."""
    return SystemInfo(
        name=SYSTEM,
        title="Visma eAccounting (eKonomi)",
        entities=ENTITIES,
        settings=SETTINGS,
        description="Visma eAccounting API v2: orders, customers, articles, stock.",
    )


@hookimpl
def oauth_config(connection: Connection) -> OAuth2Config:
    """eAccounting's identity server (production, or Visma's sandbox with ``sandbox``)."""
    return _oauth_config(connection)


@hookimpl
def koppel_sandbox(seed: int, volume: int | None) -> Sandbox:
    """The eAccounting emulator with the demo company; ``volume`` orders (36 by default)."""
    from koppel_eaccounting.sandbox import make_sandbox

    return make_sandbox(seed) if volume is None else make_sandbox(seed, orders=volume)


@hookimpl
def mapping_functions() -> Mapping[str, Callable[..., Any]]:
    """``ea_percent``, ``ea_fraction`` and ``ea_address`` for the default mappings."""
    return FUNCTIONS


@hookimpl
def fetch_records(
    connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterable[SourceRecord]:
    """Orders, customers, products or stock changed since ``cursor``, oldest first."""
    return reading.read(session_for(connection), entity, cursor, filters)


@hookimpl
def default_mapping(
    connection: Connection, entity: str, direction: Direction
) -> MappingSpec | None:
    """The mapping shipped in ``mappings/<entity>.<direction>.toml``, if any."""
    return packaged_mapping("koppel_eaccounting", f"{entity}.{Direction(direction).value}.toml")


@hookimpl
def find_existing(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> Mapping[str, TargetRecord]:
    """Customers by e-mail, articles by SKU or EAN, orders by number (``YourReference``)."""
    return writing.find_existing(session_for(connection), entity, match_key, values)


@hookimpl
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    """Create or replace one customer, article, stock balance, order or invoice draft."""
    return writing.upsert(session_for(connection), entity, Action(action), payload, target_id)


@hookimpl
def supports_order_types(connection: Connection) -> Iterable[OrderType]:
    """Orders (``/v2/orders``) and invoices (as invoice drafts)."""
    return ORDER_TYPES
