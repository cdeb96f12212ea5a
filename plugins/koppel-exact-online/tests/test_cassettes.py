"""The client against Exact Online's documented responses, replayed from cassettes.

The cassettes are hand-written from the public documentation (there is no tenant
to record from); a user with one re-records them with ``pytest --record-mode=rewrite``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from koppel.errors import RejectedError
from koppel.http import FakeClock, MemoryTokenStore, OAuthToken
from koppel.sync import Action, Connection
from koppel.testing import find_secrets_in_cassettes
from koppel_exact_online.plugin import connector

CASSETTES = Path(__file__).parent / "cassettes"


def _connection(**settings: object) -> Connection:
    token = OAuthToken(
        "recorded-access", "recorded-refresh", datetime.now(UTC) + timedelta(hours=1)
    )
    connection = Connection(
        name="exact",
        system="exact-online",
        settings=settings,
        secrets={"client_id": "my-app", "client_secret": "my-secret"},
        token_store=MemoryTokenStore({"exact": token}),
        clock=FakeClock(),  # a rate limiter of its own, and no wait is real
    )
    return connection


@pytest.mark.vcr
def test_cassette_reads_customers_through_sync_pages() -> None:
    connection = _connection()
    records = list(connector.fetch_records(connection, "customers", None, {}))
    assert connector.session(connection).client.division == 3019785
    assert [r.id for r in records] == [
        "5d1a0c53-2c8d-4c9e-8f7a-1b2c3d4e5f60",
        "9f2c1111-2222-4333-8444-555566667777",
    ]  # the supplier on page two is no customer; a first read reports no deletion
    # Both feeds' positions: the accounts' highest Timestamp and the deletion log's.
    assert records[-1].cursor == "sync:0000000000001234890;deleted:0000000000001234500"


@pytest.mark.vcr
def test_cassette_creates_a_sales_order() -> None:
    connection = _connection(division=3019785, order_type="order")
    payload = {
        "OrderedBy": "Info@Jansen.nl",
        "OrderDate": "2024-05-01",
        "YourRef": "WEB-1001",
        "SalesOrderLines": [{"Item": "WEB-SHIRT", "Quantity": 2, "NetPrice": 19.95}],
    }
    result = connector.upsert(connection, "orders", Action.CREATE, payload, None)
    assert result is not None
    assert result.target_id == "c0ffee00-1234-4abc-8def-000000000001"
    assert result.response["OrderNumber"] == 10001


@pytest.mark.vcr
def test_cassette_rejection_carries_exacts_message() -> None:
    connection = _connection(division=3019785)
    with pytest.raises(RejectedError, match="Mandatory: Code") as info:
        connector.upsert(connection, "products", Action.CREATE, {"Description": "no code"}, None)
    assert info.value.context["status"] == 400


def test_cassettes_hold_no_secrets() -> None:
    assert find_secrets_in_cassettes(CASSETTES, ("my-secret", "recorded-access")) == []
