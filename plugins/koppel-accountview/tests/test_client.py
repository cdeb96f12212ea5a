"""The client against hand-written cassettes and against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import AuthError, ConfigurationError, RejectedError
from koppel.http import MemoryTokenStore, OAuthToken
from koppel.sync import Connection
from koppel_accountview.client import AccountViewClient, Filter, foxpro_datetime
from koppel_accountview.schema import ARTICLES, DEBTORS


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
    client = AccountViewClient.from_connection(live_connection(page_size=2))
    rows = list(client.rows(ARTICLES, filters=[Filter("AG_CODE", "WEBSHOP")], sort="CNG_DATE"))
    assert [(r["ART_CODE"], r["PX_SELL"]) for r in rows] == [
        ("AV-1001", Decimal("24.95")),
        ("AV-1002", Decimal("29.95")),
        ("AV-1003", Decimal("19.95")),
    ]


@pytest.mark.vcr
def test_client_refusal_carries_error_message() -> None:
    client = AccountViewClient.from_connection(live_connection())
    with pytest.raises(RejectedError) as info:
        client.write(DEBTORS, {"SUB_NR": "10009"})
    assert info.value.message == "ACCT_NAME (naam) is verplicht"
    assert info.value.context["status"] == 400


@pytest.mark.vcr
def test_client_lists_companies() -> None:
    client = AccountViewClient.from_connection(live_connection())
    assert client.companies() == [{"Id": "DEMO", "Name": "Demo Webwinkel BV"}]


def test_client_refreshes_expired_token(connection: Connection, sandbox: Any) -> None:
    sandbox.oauth.expire_access_tokens()
    client = AccountViewClient.from_connection(connection)
    assert len(list(client.rows(DEBTORS))) == 1
    assert sandbox.oauth.refreshes == 1


def test_client_unknown_company_is_refused(connection: Connection) -> None:
    connection.settings = {**connection.settings, "company": "NOPE"}
    with pytest.raises(RejectedError, match="Onbekende onderneming 'NOPE'"):
        list(AccountViewClient.from_connection(connection).rows(DEBTORS))


def test_client_needs_company_and_token_store() -> None:
    with pytest.raises(ConfigurationError, match="setting 'company'"):
        AccountViewClient.from_connection(Connection(name="x", system="accountview"))
    bare = Connection(name="x", system="accountview", settings={"company": "A"})
    with pytest.raises(AuthError, match="koppel auth x"):
        AccountViewClient.from_connection(bare)


def test_client_changed_since_filter(connection: Connection) -> None:
    from koppel_accountview.reading import fetch

    records = list(fetch(connection, "products", "2024-05-10T09:00:00.000Z", {}))
    assert [r.id for r in records] == ["AV-1010", "AV-1011", "AV-1012"]
    assert records[-1].cursor == "2024-05-12T09:00:00.000Z"
    assert foxpro_datetime("2024-05-10T09:00:00Z") == "{^2024-05-10 09:00:00}"
    with pytest.raises(ConfigurationError, match="no filter 'colour'"):
        list(fetch(connection, "products", None, {"colour": "red"}))


def test_hook_oauth_config_gives_accountview_endpoints_for_koppel_auth() -> None:
    import koppel_accountview.plugin
    from koppel.plugins import KoppelPluginManager
    from koppel.sync import Connection

    manager = KoppelPluginManager()
    manager.register(koppel_accountview.plugin, "accountview")
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
