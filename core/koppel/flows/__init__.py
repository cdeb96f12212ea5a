"""Flow files: which connection feeds which, for what entity, with which mappings.

A flow file is TOML::

    source = "shop"
    target = "books"
    entity = "orders"
    order_type = "invoice"

    [connections.shop]
    system = "easyparty"
    settings = { base_url = "https://shop.example" }
    credentials = { api_key = "env:SHOP_API_KEY" }

    [connections.books]
    system = "exact-online"
    credentials = { client_secret = "keyring:koppel/exact" }

    [filters]
    status = ["paid"]

    [schedule]  # optional, for the worker; next_runs(flow, after) gives its times
    cron = "0 9 * * MON-FRI"
    timezone = "Europe/Amsterdam"

See docs/flows.md for every key.
"""

from koppel.flows._lookups import load_lookup_file
from koppel.flows._model import ConnectionConfig, Flow, FlowSettings, WriteRule
from koppel.flows._parse import load_flow, parse_flow
from koppel.flows._schedule import Schedule, next_runs
from koppel.flows._secrets import (
    build_connection,
    is_reference,
    resolve_credentials,
    resolve_reference,
)

__all__ = [
    "ConnectionConfig",
    "Flow",
    "FlowSettings",
    "Schedule",
    "WriteRule",
    "build_connection",
    "is_reference",
    "load_flow",
    "load_lookup_file",
    "next_runs",
    "parse_flow",
    "resolve_credentials",
    "resolve_reference",
]
