"""The client against hand-written cassettes and against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import ConfigurationError, RejectedError
from koppel.http import MemoryTokenStore, OAuthToken
from koppel.sync import Connection
from koppel_accountview.client import AccountViewClient, Filter, foxpro_datetime
from koppel_accountview.plugin import connector
from koppel_accountview.resources import Products
from koppel_accountview.schema import ARTICLES, DEBTORS


def client_of(connection: Connection) -> AccountViewClient:
    client: AccountViewClient = connector.session(connection).client
    return client


def live_connection(**settings: Any) -> Connection:
    store = MemoryTokenStore()
    expires = datetime.now(UTC) + timedelta(hours=1)
    store.save("av", OAuthToken("recorded-access", "recorded-refresh", expires))
    return Connection(
        name="av",
        system="accountview",
        settings={"company": "DEMO", "client_id": "app", **settings},
        secrets={"client_secret": "s"},
        token_store=store,
    )


@pytest.mark.vcr
def test_client_reads_articles_from_cassette() -> None:
    client = client_of(live_connection(page_size=2))
    rows = list(client.rows(ARTICLES, filters=[Filter("AG_CODE", "WEBSHOP")], sort="CNG_DATE"))
    assert [(r["ART_CODE"], r["PX_SELL"]) for r in rows] == [
        ("AV-1001", Decimal("24.95")),
        ("AV-1002", Decimal("29.95")),
        ("AV-1003", Decimal("19.95")),
    ]


@pytest.mark.vcr
def test_client_refusal_carries_error_message() -> None:
    client = client_of(live_connection())
    with pytest.raises(RejectedError) as info:
        client.write(DEBTORS, {"SUB_NR": "10009"})
    assert info.value.message == "ACCT_NAME (naam) is verplicht"
    assert info.value.context["status"] == 400


@pytest.mark.vcr
def test_client_lists_companies() -> None:
    client = client_of(live_connection())
    assert client.companies() == [
        {"Id": "DEMO", "Description": "Demo Webwinkel BV", "Code": "DEMO"}
    ]


def test_client_refreshes_expired_token(connection: Connection, sandbox: Any) -> None:
    sandbox.oauth.expire_access_tokens()
    client = client_of(connection)
    assert len(list(client.rows(DEBTORS))) == 3
    assert sandbox.oauth.refreshes == 1


def test_client_unknown_company_is_refused(connection: Connection) -> None:
    connection.settings = {**connection.settings, "company": "NOPE"}
    with pytest.raises(RejectedError, match="Onbekende onderneming 'NOPE'"):
        list(client_of(connection).rows(DEBTORS))


def test_client_needs_company_and_token_store() -> None:
    with pytest.raises(ConfigurationError, match="setting company is required") as raised:
        client_of(Connection(name="x", system="accountview"))
    assert raised.value.context["path"] == "connections.x.settings.company"
    settings = {"company": "A", "client_id": "app"}
    with pytest.raises(ConfigurationError, match="no token store"):
        client_of(Connection(name="x", system="accountview", settings=settings))


def test_client_changed_since_filter(connection: Connection) -> None:
    products = Products(connector.session(connection))
    records = list(products.fetch("2024-05-10T09:00:00.000Z", {}))
    assert [r.id for r in records] == ["AV-1010", "AV-1011", "AV-1012"]
    assert records[-1].cursor == "2024-05-12T09:00:00"  # as AccountView answers: no zone
    again = list(products.fetch(records[-1].cursor, {}))
    assert [r.id for r in again] == ["AV-1012"]  # on or after: the cursor's record again
    assert foxpro_datetime("2024-05-10T09:00:00Z") == "{^2024-05-10 09:00:00}"


def test_hook_oauth_config_gives_accountview_endpoints_for_koppel_auth() -> None:
    from koppel.plugins import KoppelPluginManager

    manager = KoppelPluginManager()
    manager.register(connector, "accountview")
    connection = Connection(
        name="books",
        system="accountview",
        settings={"company": "DEMO", "client_id": "app-key"},
        secrets={"client_secret": "s3cret"},
    )
    config = manager.hooks_for("accountview").oauth_config(connection=connection)
    assert config.client_id == "app-key" and config.client_secret == "s3cret"
    assert config.token_url.startswith("https://") and config.token_url.endswith("token")
    assert config.authorize_url.startswith("https://")


def test_oauth_config_uses_the_observed_authorize_url_and_scopes() -> None:
    """REFERENCE.md mismatches 1 and 2: ams/authorize.aspx, read and update scopes."""
    from koppel.plugins import KoppelPluginManager

    manager = KoppelPluginManager()
    manager.register(connector, "accountview")
    connection = Connection(
        name="books",
        system="accountview",
        settings={"company": "DEMO", "client_id": "app-key"},
        secrets={"client_secret": "s3cret"},
    )
    config = manager.hooks_for("accountview").oauth_config(connection=connection)
    assert config.authorize_url == "https://www.accountview.net/ams/authorize.aspx"
    assert config.scope == "readaccountviewdata updateaccountviewdata"
