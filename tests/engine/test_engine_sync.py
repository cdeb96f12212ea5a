"""The engine's promises: nothing lost, nothing doubled, unchanged data costs no write."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

import attrs
import pytest

from koppel import hookimpl
from koppel.engine import RecordOutcome, RunObserver, run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import AuthError
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore
from koppel.sync import Action
from koppel.system import SystemInfo

from .conftest import Crash, manager_of, run_dying_at_booking


def customers(shop: MemorySystem, count: int, start: int = 1) -> None:
    for n in range(start, start + count):
        shop.put("customers", f"c{n}", {"name": f"Customer {n}", "email": f"C{n}@Example.com "})


def test_engine_first_run_creates_every_record_and_binds_it(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 10)
    result = run_flow(make_flow(), store, manager=manager)
    assert result.counts == {
        "created": 10,
        "updated": 0,
        "deleted": 0,
        "skipped": 0,
        "failed": 0,
        "parked": 0,
    }
    assert len(books.writes) == 10
    bound = store.get_bindings("shop", "books", "customers", [f"c{n}" for n in range(1, 11)])
    assert {b.target_id for b in bound.values()} == set(books.rows("customers"))
    assert store.get_cursor("shop-customers", "customers") == "10"
    assert books.rows("customers")[bound["c1"].target_id]["email"] == "c1@example.com"


def test_engine_second_run_over_unchanged_data_makes_zero_writes(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 20)
    flow = make_flow()
    run_flow(flow, store, manager=manager)
    writes = len(books.writes)
    again = run_flow(flow, store, manager=manager, full=True)
    assert len(books.writes) == writes
    assert again.counts["skipped"] == 20 and again.counts["created"] == 0


def test_engine_changed_record_is_updated_once(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 3)
    flow = make_flow()
    run_flow(flow, store, manager=manager)
    shop.put("customers", "c2", {"name": "Renamed", "email": "c2@example.com"})
    result = run_flow(flow, store, manager=manager)
    assert result.fetched == 1
    assert result.counts["updated"] == 1
    assert books.writes[-1][0] == Action.UPDATE
    assert len(books.rows("customers")) == 3
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 3


def test_engine_crash_between_create_and_binding_makes_no_duplicate(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 5)
    flow = make_flow()
    run_dying_at_booking(flow, store, manager)
    assert len(books.rows("customers")) == 5  # created, never bound
    assert store.get_cursor(flow.name, "customers") is None

    rerun = run_flow(flow, store, manager=manager)
    assert len(books.rows("customers")) == 5
    assert len(books.writes) == 5
    assert rerun.counts["skipped"] == 5  # found by e-mail, already up to date, now bound
    assert len(store.get_bindings("shop", "books", "customers", ["c1", "c5"])) == 2


def test_engine_one_bad_record_in_a_hundred_is_parked_naming_the_field(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    for n in range(100):
        price = "abc" if n == 41 else f"{n}.50"
        shop.put("products", f"p{n}", {"sku": f"SKU-{n}", "name": f"P{n}", "price_excl_vat": price})
    flow = make_flow("products")
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 99 and result.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "p41"
    assert "price_excl_vat" in parked.message
    assert store.get_cursor(flow.name, "products") == "100"  # parked, so the cursor may pass

    shop.put("products", "p41", {"sku": "SKU-41", "name": "P41", "price_excl_vat": "41.50"})
    fixed = run_flow(flow, store, manager=manager)
    assert fixed.counts == {
        "created": 1,
        "updated": 0,
        "deleted": 0,
        "skipped": 0,
        "failed": 0,
        "parked": 0,
    }
    assert len(books.rows("products")) == 100
    assert store.parked(flow.name) == []


def test_engine_parked_record_is_retried_from_its_stored_data_when_due(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "A", "email": "a@example.com"})
    books.reject = lambda entity, payload: "database is read-only"
    flow = make_flow()
    assert run_flow(flow, store, manager=manager).counts["failed"] == 1
    assert run_flow(flow, store, manager=manager).fetched == 0  # not due yet: backoff
    books.reject = None
    store.mark_due(None, flow=flow.name)
    retried = run_flow(flow, store, manager=manager)
    assert retried.counts["created"] == 1
    assert len(books.rows("customers")) == 1
    assert store.parked(flow.name) == []


def test_engine_dry_run_writes_nothing_to_target_bindings_cursor_or_parked(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 5)
    shop.put("customers", "bad", {"email": "nobody@example.com"})  # no name: fails
    flow = make_flow()
    seen: list[RecordOutcome] = []

    class Collect(RunObserver):
        def processed(self, outcome: RecordOutcome) -> None:
            seen.append(outcome)

    result = run_flow(flow, store, manager=manager, dry_run=True, observer=Collect())
    assert result.counts["created"] == 5 and result.counts["failed"] == 1
    assert books.writes == [] and books.rows("customers") == {}
    assert store.get_bindings("shop", "books", "customers", ["c1"]) == {}
    assert store.get_cursor(flow.name, "customers") is None
    assert store.parked(flow.name) == []
    assert [o.action for o in seen].count(Action.CREATE) == 5
    assert all(o.payload for o in seen if o.action == Action.CREATE)


def test_engine_fatal_error_keeps_the_cursor_before_unfinished_records(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 30)
    flow = make_flow(settings={"chunk_size": 10})

    def revoke(entity: str, payload: object) -> str | None:
        if len(books.writes) >= 15:
            raise AuthError("token revoked")
        return None

    books.reject = revoke
    with pytest.raises(AuthError):
        run_flow(flow, store, manager=manager)
    assert store.get_cursor(flow.name, "customers") == "10"
    stopped = store.runs(flow.name)[0]
    assert stopped.status == "stopped"
    assert (stopped.message or "").startswith("token revoked")
    books.reject = None
    run_flow(flow, store, manager=manager)
    assert len(books.rows("customers")) == 30
    assert len(store.get_bindings("shop", "books", "customers", [f"c{n}" for n in range(31)])) == 30


def test_engine_limit_processes_that_many_and_moves_the_cursor_to_them(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 10)
    flow = make_flow()
    assert run_flow(flow, store, manager=manager, limit=4).counts["created"] == 4
    assert store.get_cursor(flow.name, "customers") == "4"
    assert run_flow(flow, store, manager=manager).counts["created"] == 6


def test_engine_two_source_records_with_one_match_key_value_do_not_merge(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "a", {"name": "A", "email": "same@example.com"})
    shop.put("customers", "b", {"name": "B", "email": "SAME@example.com"})
    shop.put("customers", "c", {"name": "C", "email": "c@example.com"})
    flow = make_flow()
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 2 and result.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "b" and "email" in parked.message
    # later runs find the target record bound to "a" and keep refusing "b"
    store.mark_due(None, flow=flow.name)
    again = run_flow(flow, store, manager=manager)
    assert again.counts["failed"] == 1 and len(books.rows("customers")) == 2


def test_engine_record_without_match_key_is_bound_right_after_its_create(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop.put("relations", "r1", {"name": "R1"})
    shop.put("relations", "r2", {"name": "R2"})
    flow = make_flow("relations")
    with monkeypatch.context() as patch:
        # dies after the creates, before the chunk's bookkeeping
        patch.setattr(store, "book_chunk", lambda *a, **k: (_ for _ in ()).throw(Crash()))
        with pytest.raises(Crash):
            run_flow(flow, store, manager=manager)
    assert len(store.get_bindings("shop", "books", "relations", ["r1", "r2"])) == 2
    rerun = run_flow(flow, store, manager=manager)
    assert len(books.rows("relations")) == 2
    assert rerun.counts["skipped"] == 2


def test_engine_activity_log_holds_source_sent_and_answer_with_secrets_redacted(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "A", "email": "a@example.com", "api_key": "s3cret"})
    flow = make_flow()
    result = run_flow(flow, store, manager=manager)
    (entry,) = store.activity(result.run_id)
    assert entry.action == "create" and entry.record_id == "c1"
    assert entry.source is not None and entry.source["api_key"] == "[redacted]"
    assert entry.sent is not None and entry.sent["email"] == "a@example.com"
    assert entry.response == {"id": books.writes[0][2]}


def test_engine_a_payload_with_a_secret_is_redacted_in_the_journal_and_the_log(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "A", "email": "a@example.com"})
    flow = make_flow(mapping={"outbound": {"Name": "name", "ApiKey": "`s3cret`"}})
    run_dying_at_booking(flow, store, manager)
    journaled = store.pending_writes(flow.name, "customers")["c1"].sent
    assert journaled == {"Name": "A", "ApiKey": "[redacted]"}
    books.rows("customers").clear()  # the write was lost: the next run creates it again
    result = run_flow(flow, store, manager=manager)
    (entry,) = store.activity(result.run_id)
    assert entry.action == "create" and entry.sent == {"Name": "A", "ApiKey": "[redacted]"}
    assert [row["ApiKey"] for row in books.rows("customers").values()] == ["s3cret"]


def test_engine_a_lone_surrogate_in_a_source_record_is_synced_and_logged(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    # json.loads takes "\ud83d" alone (orjson refuses it): the hashes and the log must too
    shop.put("customers", "c1", json.loads('{"name": "Caf\\ud83d", "email": "a@example.com"}'))
    flow = make_flow(mapping={"outbound": {"Name": "`x`", "Mail": "email"}})
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 1
    (entry,) = store.activity(result.run_id)
    assert entry.source == {"name": "Caf\ud83d", "email": "a@example.com"}
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 1


def test_engine_fatal_error_in_a_retry_keeps_unwritten_parked_records_parked(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 3)
    flow = make_flow()
    books.reject = lambda entity, payload: "read-only"
    assert run_flow(flow, store, manager=manager).counts["failed"] == 3
    store.mark_due(None, flow=flow.name)

    def revoke(entity: str, payload: object) -> str | None:
        raise AuthError("token revoked")

    books.reject = revoke
    with pytest.raises(AuthError):
        run_flow(flow, store, manager=manager)
    assert books.writes == []
    assert {p.source_id for p in store.parked(flow.name)} == {"c1", "c2", "c3"}
    (crashed, _) = store.runs(flow.name)
    assert crashed.counts["created"] == 0

    books.reject = None
    store.mark_due(None, flow=flow.name)
    assert run_flow(flow, store, manager=manager).counts["created"] == 3
    assert len(books.rows("customers")) == 3 and store.parked(flow.name) == []


def test_engine_fatal_error_counts_and_logs_only_the_writes_that_happened(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 6)
    flow = make_flow()

    def revoke(entity: str, payload: object) -> str | None:
        if len(books.writes) >= 2:
            raise AuthError("token revoked")
        return None

    books.reject = revoke
    with pytest.raises(AuthError):
        run_flow(flow, store, manager=manager)
    (run,) = store.runs(flow.name)
    assert run.counts["created"] == 2
    assert [a.record_id for a in store.activity(run.id)] == ["c1", "c2"]
    assert store.get_cursor(flow.name, "customers") is None


def test_engine_crash_in_one_lane_stops_the_other_lanes(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 40)
    flow = make_flow(settings={"concurrency": 2})

    def reject(entity: str, payload: Mapping[str, object]) -> str | None:
        if payload["email"] == "c1@example.com":
            raise Crash
        time.sleep(0.002)  # the other lane is slower than the crash
        return None

    books.reject = reject
    with pytest.raises(Crash):
        run_flow(flow, store, manager=manager)
    assert len(books.writes) <= 3  # not the whole chunk after the process was told to die
    (run,) = store.runs(flow.name)
    assert run.counts["created"] == len(books.writes)
    books.reject = None
    run_flow(flow, store, manager=manager)
    assert len(books.rows("customers")) == 40


def test_engine_failed_bind_right_after_a_create_is_retried_with_the_chunk_not_parked(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop.put("relations", "r1", {"name": "R1"})
    flow = make_flow("relations")

    def locked(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(store, "bind", locked)
        first = run_flow(flow, store, manager=manager)
    assert first.counts["created"] == 1 and store.parked(flow.name) == []
    assert store.get_bindings("shop", "books", "relations", ["r1"])["r1"].target_id == "books-1"
    store.mark_due(None, flow=flow.name)
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 1
    assert len(books.writes) == 1


def test_engine_record_written_to_a_target_record_bound_elsewhere_is_parked(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    store.bind("shop", "books", "customers", "old", "books-1", None)  # the target reuses ids
    customers(shop, 2)
    flow = make_flow()
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 1 and result.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "c1"
    assert "books-1" in parked.message and "old" in parked.message
    assert store.get_bindings("shop", "books", "customers", ["c2"])["c2"].target_id == "books-2"


def test_engine_dry_run_leaves_updates_retries_and_the_activity_log_untouched(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 4)
    flow = make_flow()
    books.reject = lambda entity, payload: "no" if payload["name"] == "Customer 4" else None
    run_flow(flow, store, manager=manager)
    books.reject = None
    shop.put("customers", "c2", {"name": "Renamed", "email": "c2@example.com"})
    store.mark_due(None, flow=flow.name)
    ids = [f"c{n}" for n in range(1, 5)]

    def snapshot() -> object:
        return (
            store.get_bindings("shop", "books", "customers", ids),
            store.parked(flow.name),
            store.get_cursor(flow.name, "customers"),
            store.activity(flow=flow.name),
            list(books.writes),
            {k: dict(v) for k, v in books.rows("customers").items()},
        )

    before = snapshot()
    result = run_flow(flow, store, manager=manager, dry_run=True)
    assert result.counts["updated"] == 1 and result.counts["created"] == 1
    assert snapshot() == before


def test_engine_parked_record_that_fails_again_stays_parked_then_lands_once(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    customers(shop, 3)
    flow = make_flow()
    books.reject = lambda entity, payload: "no" if payload["name"] == "Customer 2" else None
    run_flow(flow, store, manager=manager)
    assert store.get_cursor(flow.name, "customers") == "3"
    store.mark_due(None, flow=flow.name)
    again = run_flow(flow, store, manager=manager)
    assert again.fetched == 1 and again.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.attempts == 2 and parked.next_attempt_at > parked.last_failed_at
    assert store.get_cursor(flow.name, "customers") == "3"
    books.reject = None
    store.mark_due(None, flow=flow.name)
    assert run_flow(flow, store, manager=manager).counts["created"] == 1
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 3
    assert len(books.writes) == 3 and store.parked(flow.name) == []


class OrdersOnce(MemorySystem):
    """A target that takes an order once and never changes it (like AccountView)."""

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        info = super().koppel_system()
        entities = tuple(attrs.evolve(e, update=e.name != "orders") for e in info.entities)
        return attrs.evolve(info, entities=entities)


def test_engine_order_found_in_a_target_that_never_updates_it_is_bound_and_skipped(
    shop: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    books = OrdersOnce("books")
    manager = manager_of(shop=shop, books=books)
    books.rows("products")["P1"] = {"sku": "A"}
    shop.put(
        "orders",
        "o1",
        {
            "number": "1001",
            "customer": {"name": "Ann", "email": "ann@example.com"},
            "lines": [{"sku": "A", "quantity": "1", "unit_price": "10"}],
        },
    )
    # Created by an earlier run whose answer was lost: there, in the target's own shape.
    books.rows("orders")["books-order-1"] = {"number": "1001", "ORD_NR": "20240001"}
    flow = make_flow("orders", order_type="order")
    result = run_flow(flow, store, manager=manager)
    assert result.counts == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "skipped": 1,
        "failed": 0,
        "parked": 0,
    }
    assert books.writes == []
    (bound,) = store.get_bindings("shop", "books", "orders", ["o1"]).values()
    assert bound.target_id == "books-order-1"
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 1
    assert books.writes == []
