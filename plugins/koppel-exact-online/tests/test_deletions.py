"""Deletions in Exact (``sync/Deleted``) reach koppel as removed records, and koppel deletes
accounts and items where Exact documents a DELETE (a record already gone counts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from koppel.engine import compare_cursors
from koppel.errors import ConfigurationError, RejectedError
from koppel.http import FakeClock
from koppel.sync import Connection, SourceRecord
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.plugin import connector
from koppel_exact_online.runs import calls
from koppel_exact_online.sandbox import ExactSandbox


def fetch(connection: Connection, entity: str, cursor: str | None = None) -> list[SourceRecord]:
    return list(connector.fetch_records(connection, entity, cursor, {}))


def test_feed_cursor_reads_both_forms_and_orders_as_text() -> None:
    assert FeedCursor.parse(None) == FeedCursor()
    assert FeedCursor.parse("1000028") == FeedCursor(main=1000028)  # stored before deletions
    cursor = FeedCursor(main=1000028, deleted=7)
    assert FeedCursor.parse(str(cursor)) == cursor
    assert str(cursor) == "sync:0000000000001000028;deleted:0000000000000000007"
    # Later in either feed is later as text, as the engine compares cursors.
    later = [FeedCursor(1000028, 8), FeedCursor(1000029, 0), FeedCursor(99_000_000_000, 1)]
    assert all(compare_cursors(str(cursor), str(c)) < 0 for c in later)
    priced = FeedCursor(main=5, deleted=3, second=9, label="prices")
    assert (
        str(priced)
        == "sync:0000000000000000005;prices:0000000000000000009;deleted:0000000000000000003"
    )
    assert FeedCursor.parse(str(priced), second="prices") == priced
    assert FeedCursor.parse("5", second="prices") == FeedCursor(main=5, second=0, label="prices")
    with pytest.raises(ConfigurationError, match="cursor 'sync:12;lines:3'"):
        FeedCursor.parse("sync:12;lines:3")  # a products' cursor names no lines


def test_an_account_deleted_in_exact_is_a_removed_customer_after_the_first_read(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    first = fetch(connection, "customers")
    assert first and not any(r.deleted for r in first)  # a first read reports no deletion
    gone = first[0].id
    sandbox.remove("Accounts", gone)
    item = sandbox.store["Items"].all()[0]["ID"]
    sandbox.remove("Items", item)
    again = fetch(connection, "customers", first[-1].cursor)
    assert [(r.id, r.deleted) for r in again] == [(gone, True)]
    assert FeedCursor.parse(again[0].cursor) == FeedCursor(
        FeedCursor.parse(first[-1].cursor).main, sandbox.deleted[0]["Timestamp"]
    )
    assert fetch(connection, "customers", again[-1].cursor) == []
    # The item's deletion is the products' to report, not the customers'.
    products = fetch(connection, "products", "1")
    assert [r.id for r in products if r.deleted] == [item]


def test_a_cursor_stored_before_deletions_were_read_reads_the_whole_log_once(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    records = fetch(connection, "customers")
    plain = str(FeedCursor.parse(records[-1].cursor).main)
    sandbox.remove("Accounts", records[1].id)
    again = fetch(connection, "customers", plain)
    assert [r.id for r in again if r.deleted] == [records[1].id]


def test_an_unchanged_rerun_costs_one_call_per_feed(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    cursor = fetch(connection, "products")[-1].cursor
    sandbox.calls.clear()
    assert fetch(connection, "products", cursor) == []
    assert calls(sandbox) == {"GET": 3}  # deletions, prices, items


def test_the_sandbox_refuses_what_exact_refuses(sandbox: ExactSandbox) -> None:
    token = sandbox.oauth.grant().access_token  # type: ignore[union-attr]
    client = httpx.Client(
        transport=sandbox.transport(),
        base_url=f"https://start.exactonline.nl/api/v1/{sandbox.division}/",
        headers={"Authorization": f"Bearer {token}"},
    )
    # The deletion log filters on Timestamp only.
    params = {"$select": "EntityKey,Timestamp", "$filter": "Timestamp gt 1L and EntityType eq 2"}
    answer = client.get("sync/Deleted", params=params)
    assert answer.status_code == 400
    assert "Only the Timestamp field" in answer.json()["error"]["message"]["value"]
    # DELETE only where the reference documents it (koppel declares accounts and items).
    order = sandbox.store["SalesOrders"].all()[0]["OrderID"]
    assert client.delete(f"salesorder/SalesOrders(guid'{order}')").status_code == 405
    assert sandbox.store["SalesOrders"].get(order) is not None


def test_only_accounts_and_items_can_be_deleted() -> None:
    info = {e.name: e.delete for e in connector.koppel_system().entities}
    assert info["customers"] and info["relations"] and info["products"]
    assert not (info["orders"] or info["stock"] or info["invoices"] or info["journal_entries"])


def test_delete_removes_the_account_and_logs_it_and_one_gone_counts_as_deleted(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    used = {o["OrderedBy"] for o in sandbox.store["SalesOrders"]}
    account = next(a["ID"] for a in sandbox.store["Accounts"] if a["ID"] not in used)
    assert connector.delete_record(connection, "customers", account) is True
    assert sandbox.store["Accounts"].get(account) is None
    assert [(d["EntityKey"], d["EntityType"]) for d in sandbox.deleted] == [(account, 2)]
    assert connector.delete_record(connection, "customers", account) is True  # 404: gone
    assert account not in {
        c.id for c in connector.find_existing(connection, "relations", "number", ["1"]).values()
    }


def test_delete_of_an_account_in_use_is_refused_with_exacts_message(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    account = sandbox.store["SalesOrders"].all()[0]["OrderedBy"]
    with pytest.raises(RejectedError, match="in use and cannot be deleted"):
        connector.delete_record(connection, "customers", account)
    assert sandbox.store["Accounts"].get(account) is not None and sandbox.deleted == []


def test_delete_of_an_item_is_logged_for_the_products_feed(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    used = {line["Item"] for o in sandbox.store["SalesOrders"] for line in o["SalesOrderLines"]}
    item = next(i["ID"] for i in sandbox.store["Items"] if i["ID"] not in used)
    assert connector.delete_record(connection, "products", item) is True
    assert [(d["EntityKey"], d["EntityType"]) for d in sandbox.deleted] == [(item, 9)]
