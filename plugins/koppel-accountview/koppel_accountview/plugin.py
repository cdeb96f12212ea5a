"""The hooks of the AccountView plugin (entry point ``accountview``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from koppel.plugins import hookimpl
from koppel.records import OrderType
from koppel.sync import Action, Connection, Direction, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, Setting, SystemInfo

if TYPE_CHECKING:
    from koppel.http import OAuth2Config
    from koppel.sandbox import Sandbox

SYSTEM = "accountview"

_JOURNAL_TYPES = {OrderType.SALES_INVOICE.value, OrderType.FINANCIAL_MUTATION.value}


@hookimpl
def koppel_system() -> SystemInfo:
    """AccountView: its entities and connection settings."""
    return SystemInfo(
        name=SYSTEM,
        title="AccountView (AccountView.net)",
        description="Visma AccountView through the AccountView.net REST API (v3).",
        entities=(
            EntityInfo(
                name="products",
                read=True,
                match_keys=("sku", "ean"),
                description="articles (AK1) with item attributes",
            ),
            EntityInfo(name="stock", read=True, match_keys=("sku",), description="article stock"),
            EntityInfo(
                name="customers",
                write=True,
                match_keys=("email",),
                description="debtors (AR1): company with contact, or person",
            ),
            EntityInfo(
                name="orders",
                write=True,
                match_keys=("number",),
                update=False,
                description="sales orders (SO1); sales invoices and financial mutations (DJ2)",
            ),
            EntityInfo(
                name="journal_entries",
                write=True,
                match_keys=("number",),
                update=False,
                description="journal pages (DJ2)",
            ),
        ),
        settings=(
            Setting(name="company", required=True, description="company code (X-Company)"),
            Setting(name="client_id", required=True, description="API key of the registered app"),
            Setting(name="client_secret", secret=True, description="API secret of the app"),
            Setting(name="redirect_uri", description="redirect URI registered with the app"),
            Setting(name="base_url", description="API root (default the live host)"),
            Setting(
                name="test", type="bool", default=False, description="use test.accountview.net"
            ),
            Setting(name="page_size", type="int", default=100, description="rows per read"),
            Setting(name="default_debtor", description="book every order on this debtor"),
            Setting(name="debtor_number_start", type="int", default=10000),
            Setting(name="debtor_account", default="1210", description="collective account"),
            Setting(name="shipping_article", default="VERZEND"),
            Setting(name="fee_article", default="TOESLAG"),
            Setting(name="sales_journal", default="VK"),
            Setting(name="memorial_journal", default="MEM"),
            Setting(name="journal_level", default="recommended"),
            Setting(name="invoice_level", default="recommended"),
            Setting(name="accounts", type="table", description="debtor, revenue, vat, rounding"),
            Setting(name="home_country", default="NL"),
        ),
    )


@hookimpl
def fetch_records(
    connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterable[SourceRecord] | None:
    """Articles changed since ``cursor``, or every article's stock."""
    from koppel_accountview.reading import fetch

    return fetch(connection, entity, cursor, filters)


@hookimpl
def default_mapping(
    connection: Connection, entity: str, direction: Direction
) -> Mapping[str, Any] | None:
    """The shipped mapping ``mappings/<entity>.<direction>.toml``, if there is one."""
    from koppel.mapping import packaged_mapping

    return packaged_mapping("koppel_accountview", f"{entity}.{Direction(direction).value}.toml")


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
    """Orders booked as sales invoices or financial mutations get their journal page too.

    The flow's mapping still makes the debtor; the page itself comes from
    :func:`koppel.accounting.journal_entry_from_order`. Everything else is
    left to the datamapper.
    """
    if entity != "orders" or direction != Direction.OUTBOUND:
        return None
    if str(data.get("order_type") or "") not in _JOURNAL_TYPES:
        return None
    from koppel.mapping import CompiledMapping
    from koppel_accountview.journal import journal_page_for_order

    payload: dict[str, Any] = {}
    lookups: Mapping[str, Mapping[str, Any]] = {}
    if isinstance(mapping, CompiledMapping):
        payload = mapping.apply(data, action=action, existing=existing, record_id=data.get("id"))
        lookups = mapping.lookups
    payload["journal"] = journal_page_for_order(data, connection.settings, lookups)
    return payload


@hookimpl
def mapping_functions() -> Mapping[str, Callable[..., Any]]:
    """``accountview_each_with``, ``accountview_vat_key``, ``accountview_postcode``."""
    from koppel_accountview.functions import FUNCTIONS

    return FUNCTIONS


@hookimpl
def find_existing(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> Mapping[str, TargetRecord] | None:
    """Debtors by e-mail, orders and journal pages by number: batched, cached per run."""
    from koppel_accountview.reading import find

    return find(connection, entity, match_key, values)


@hookimpl
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult | None:
    """Write a debtor, a sales order (with its debtor) or a journal page."""
    from koppel_accountview.writing import write

    return write(connection, entity, action, payload, target_id)


@hookimpl
def supports_order_types(connection: Connection) -> Iterable[OrderType] | None:
    """Sales orders, sales invoices and financial mutations."""
    from koppel_accountview.writing import ORDER_TYPES

    return ORDER_TYPES


@hookimpl
def oauth_config(connection: Connection) -> OAuth2Config:
    """AccountView.net's authorize and token endpoints and the app's key, for ``koppel auth``."""
    from koppel_accountview.client import oauth_config as config_of

    return config_of(connection)


@hookimpl
def koppel_sandbox(seed: int, volume: int | None) -> Sandbox | None:
    """The AccountView.net emulator with the demo administration; ``volume`` web-shop
    articles (at least the 12 demo ones)."""
    from koppel_accountview.sandbox import make_sandbox

    return make_sandbox(seed=seed, articles=volume)
