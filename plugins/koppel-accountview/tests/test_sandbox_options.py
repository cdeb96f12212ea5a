"""The sandbox's serving options: volume, its 429 as a fault, and settings that reach it served."""

from __future__ import annotations

from koppel.http import FakeClock, MemoryTokenStore
from koppel.sandbox import attach_sandbox, sandbox_for
from koppel.sync import Connection
from koppel_accountview.client import Filter
from koppel_accountview.demo import ean13
from koppel_accountview.plugin import connector
from koppel_accountview.sandbox import make_sandbox
from koppel_accountview.schema import ARTICLES

from .conftest import SECRETS, SETTINGS


def webshop(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [row for row in rows if row["AG_CODE"] == "WEBSHOP"]


def test_sandbox_volume_is_the_number_of_webshop_articles() -> None:
    assert len(webshop(sandbox_for("accountview").store["ARTICLE"].all())) == 12
    assert len(webshop(sandbox_for("accountview", volume=5).store["ARTICLE"].all())) == 12
    articles = webshop(sandbox_for("accountview", volume=40, seed=2).store["ARTICLE"].all())
    assert [a["ART_CODE"] for a in articles] == [f"AV-{n}" for n in range(1001, 1041)]
    generated = articles[12:]
    eans = [str(a["EAN_CODE"]) for a in generated]
    assert len(set(eans)) == 28 and all(ean == ean13(ean[:12]) for ean in eans)
    assert all(0 <= a["QTY_RES_SO"] <= a["QTY_AVAIL"] for a in generated)  # type: ignore[operator]
    again = webshop(sandbox_for("accountview", volume=40, seed=2).store["ARTICLE"].all())
    assert again == articles


def test_sandbox_429_fault_is_retried_after_its_retry_after() -> None:
    clock = FakeClock()
    sandbox = make_sandbox(clock=clock)
    sandbox.faults.inject("429")
    connection = Connection(
        name="av", system="accountview", settings=dict(SETTINGS), secrets=dict(SECRETS)
    )
    client = connector.session(attach_sandbox(connection, sandbox)).client
    rows = list(client.rows(ARTICLES, filters=[Filter("AG_CODE", "KOSTEN")]))
    assert [r["ART_CODE"] for r in rows] == ["VERZEND", "TOESLAG"]
    assert sandbox.statuses[429] == 1
    assert clock.slept == [1.0]


def test_sandbox_connection_settings_reach_it_served() -> None:
    sandbox = make_sandbox()
    with sandbox.serve() as server:
        tokens = MemoryTokenStore()
        tokens.save("av", sandbox.oauth.grant())  # type: ignore[union-attr]
        settings = {**SETTINGS, **sandbox.connection_settings(server.url)}
        connection = Connection(
            name="av",
            system="accountview",
            settings=settings,
            secrets=dict(SECRETS),
            token_store=tokens,
        )
        client = connector.session(connection).client
        assert len(list(client.rows(ARTICLES))) == 14
    assert sandbox.statuses[200] == 3  # 14 rows in pages of 5
