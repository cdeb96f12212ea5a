"""The typed settings: a bad value names its key, offline and when a run starts."""

from __future__ import annotations

import pytest

from koppel.connector import describe_settings, read_settings
from koppel.errors import ConfigurationError
from koppel.http import FakeClock
from koppel.sync import Connection
from koppel_eaccounting.client import API_URL, IDENTITY_URL, hosts
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import EAccountingSandbox
from koppel_eaccounting.settings import EAccountingSettings

from .conftest import client_of, connect


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("page_size", "many"),
        ("sandbox", "sometimes"),
        ("order_type", "gold"),
        ("manages_stock", 3),
        ("default_customer", [1, 2]),
    ],
)
def test_settings_bad_value_names_its_key(key: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as raised:
        connector.check_settings("shop", {"client_id": "app", "client_secret": "s", key: value})
    assert raised.value.context["path"] == f"connections.shop.settings.{key}"


def test_settings_page_size_below_one_names_the_key_when_the_run_starts(
    sandbox: EAccountingSandbox, clock: FakeClock
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        client_of(connect(sandbox, clock, page_size=0))
    assert raised.value.context["path"] == "connections.shop.settings.page_size"


def test_settings_without_the_app_credentials_names_the_missing_one(
    sandbox: EAccountingSandbox, clock: FakeClock
) -> None:
    connection = connect(sandbox, clock)
    connection.secrets = {"client_id": "app"}
    with pytest.raises(ConfigurationError) as raised:
        client_of(connection)
    assert raised.value.context["path"] == "connections.shop.settings.client_secret"


def test_settings_sandbox_uses_the_production_hosts_visma_documents() -> None:
    # Visma's sandbox company is reached through the production URLs (REFERENCE.md,
    # mismatch 6): `sandbox = true` is accepted and changes no host.
    secrets = {"client_id": "app", "client_secret": "secret"}
    on = Connection(name="x", system="eaccounting", settings={"sandbox": True}, secrets=secrets)
    assert connector.oauth_config(connection=on).authorize_url == (
        f"{IDENTITY_URL}/connect/authorize"
    )
    settings = read_settings(EAccountingSettings, {**secrets, "sandbox": True}, connection="x")
    assert hosts(settings) == (API_URL, IDENTITY_URL)
    (described,) = (s for s in describe_settings(EAccountingSettings) if s.name == "sandbox")
    assert "production" in described.description
    assert "test.vismaonline.com" not in described.description
