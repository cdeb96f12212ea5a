"""The client against the sandbox: paging, the rate limit, token rotation, error bodies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from koppel.errors import ConfigurationError, RejectedError
from koppel.http import FakeClock
from koppel.sync import Connection
from koppel_eaccounting.client import odata_literal, parse_utc
from koppel_eaccounting.sandbox import EAccountingSandbox, make_sandbox

from .conftest import client_of, connect


def test_client_paged_read_of_1000_orders_reads_each_once(clock: FakeClock) -> None:
    sandbox = make_sandbox(3, clock=clock, orders=1000)
    client = client_of(connect(sandbox, clock, page_size=37))
    ids = [o["Id"] for o in client.changed_since("orders", "ModifiedUtc", None)]
    assert len(ids) == 1000
    assert len(set(ids)) == 1000
    assert set(ids) == {o["Id"] for o in sandbox.store["orders"].all()}
    assert sandbox.count("GET", "/v2/orders") == 28  # ceil(1000 / 37) pages


def test_client_paged_read_survives_shared_time_stamps(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock, orders=120)
    for order in sandbox.store["orders"].all():  # 120 orders changed at the same moment
        sandbox.store["orders"].update(order["Id"], {"ModifiedUtc": "2024-06-01T10:00:00.000Z"})
    client = client_of(connect(sandbox, clock, page_size=25))
    ids = [o["Id"] for o in client.changed_since("orders", "ModifiedUtc", None)]
    assert sorted(ids) == sorted(o["Id"] for o in sandbox.store["orders"].all())


def test_client_changed_during_read_is_read_again_never_lost(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock, orders=60)
    client = client_of(connect(sandbox, clock, page_size=10))
    seen: list[str] = []
    first = sandbox.store["orders"].all()[0]
    for index, order in enumerate(client.changed_since("orders", "ModifiedUtc", None)):
        seen.append(order["Id"])
        if index == 15:  # an order read already is changed while the read goes on
            sandbox.store["orders"].update(first["Id"], {"ModifiedUtc": "2030-01-01T00:00:00.000Z"})
    assert set(seen) == {o["Id"] for o in sandbox.store["orders"].all()}
    assert seen.count(first["Id"]) == 2  # once as it was, once with its change
    assert len(seen) == 61


def test_client_incremental_read_starts_at_the_cursor(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock)
    client = client_of(connect(sandbox, clock, page_size=5))
    orders = list(client.changed_since("orders", "ModifiedUtc", None))
    cursor = orders[29]["ModifiedUtc"]
    later = list(client.changed_since("orders", "ModifiedUtc", cursor))
    assert [o["Id"] for o in later] == [o["Id"] for o in orders[29:]]


def test_client_429_is_waited_out(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock, per_minute=4)
    client = client_of(connect(sandbox, clock, page_size=2))
    customers = list(client.pages("customers"))
    assert len(customers) == 11
    assert sandbox.rejected == 1
    # The fifth call of the minute is refused with "Try again in 60 seconds" in the body
    # (no Retry-After header): the client waits exactly that long, once.
    assert clock.slept == [60.0]


def test_client_expired_token_is_refreshed_once_and_rotated_token_stored(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock)
    connection = connect(sandbox, clock)
    store = connection.token_store
    before = store.load(connection.name)
    assert sandbox.oauth is not None
    sandbox.oauth.expire_access_tokens()
    assert len(list(client_of(connection).pages("vatcodes"))) == 4
    after = store.load(connection.name)
    assert sandbox.oauth.refreshes == 1
    assert after.refresh_token != before.refresh_token
    assert before.refresh_token in sandbox.oauth.spent
    list(client_of(connection).pages("termsofpayments"))
    assert sandbox.oauth.refreshes == 1  # the new access token is used from then on


@pytest.mark.allow_contract_violations  # a body without the required fields, on purpose
def test_client_error_body_becomes_rejected_error_with_api_message(
    connection: Connection,
) -> None:
    client = client_of(connection)
    with pytest.raises(RejectedError) as info:
        client.post("articles", {"Number": "X-1", "IsActive": True})
    assert "Name: is required" in info.value.message
    assert set(info.value.context["errors"]) == {"Name", "UnitId", "CodingId"}
    assert info.value.context["error_code"] == 2000
    assert info.value.context["error_id"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [({}, "Number", 4000), ({"Number": "X-2", "UnitId": str(uuid.uuid4())}, "UnitId", 3000)],
    ids=["number-taken", "unit-missing"],
)
def test_client_conflict_and_missing_reference_name_their_field(
    connection: Connection,
    sandbox: EAccountingSandbox,
    change: dict[str, Any],
    field: str,
    code: int,
) -> None:
    # REFERENCE.md mismatch 7: the sandbox's own refusals carry Errors naming the field
    (article,) = sandbox.store["articles"].find(Number="AV-1001")
    body = {k: article[k] for k in ("Number", "Name", "IsActive", "UnitId", "CodingId")}
    with pytest.raises(RejectedError) as info:
        client_of(connection).post("articles", {**body, **change})
    assert set(info.value.context["errors"]) == {field}
    assert info.value.context["error_code"] == code


def test_client_bad_filter_is_refused_by_the_sandbox(connection: Connection) -> None:
    with pytest.raises(RejectedError, match="not valid"):
        list(client_of(connection).pages("orders", filter="Status eq"))


def test_client_odata_literals_and_time_stamps() -> None:
    assert odata_literal("O'Brien") == "'O''Brien'"
    assert odata_literal(4) == "4"
    assert odata_literal(True) == "true"
    assert parse_utc("2024-05-01T10:15:30.1234567Z").microsecond == 123456
    assert parse_utc("not a time") is None


def test_client_bad_cursor_is_a_configuration_error(connection: Connection) -> None:
    with pytest.raises(ConfigurationError, match="cursor"):
        list(client_of(connection).changed_since("orders", "ModifiedUtc", "yesterday"))
