"""The engine's guards: cursors never go back, unprotected creates are bound at once,
and a run's connections can be prepared (token store, sandbox) through the public API."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from structlog.testing import capture_logs

from koppel import hookimpl
from koppel.engine import compare_cursors, run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import Flow
from koppel.http import MemoryTokenStore
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore
from koppel.sync import Connection, SourceRecord
from koppel.system import EntityInfo, SystemInfo

from .conftest import manager_of, run_dying_at_booking


class Unordered:
    """A source that yields records with the cursors given, in that order."""

    def __init__(self, cursors: dict[str, str]) -> None:
        self.cursors = cursors

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name="shop", title="unordered", entities=(EntityInfo(name="customers", read=True),)
        )

    @hookimpl
    def fetch_records(self, connection: Connection, cursor: str | None) -> Iterator[SourceRecord]:
        for record_id, at in self.cursors.items():
            data = {"name": record_id, "email": f"{record_id}@example.com"}
            yield SourceRecord(id=record_id, data=data, cursor=at)


class NoLookup(MemorySystem):
    """A target that declares match keys but cannot look records up by them."""

    def find_existing(self, *args: object, **kwargs: object) -> None:  # not a hookimpl
        raise AssertionError("never called: the method carries no hookimpl marker")


class ConnectionSpy:
    """Notes the connections ``fetch_records`` and ``upsert`` are called with."""

    def __init__(self) -> None:
        self.seen: list[Connection] = []

    @hookimpl(tryfirst=True)
    def fetch_records(self, connection: Connection) -> None:
        self.seen.append(connection)

    @hookimpl(tryfirst=True)
    def upsert(self, connection: Connection) -> None:
        self.seen.append(connection)


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("9", "10"),  # numbers, not strings
        ("638412345678901234", "638412345678901235"),  # Exact Sync API timestamps
        ("1.5", "10"),
        ("2024-01-01T10:00:00+02:00", "2024-01-01T09:30:00Z"),  # instants, not text
        ("2024-03-01", "2024-03-01T00:00:01"),
        ("page-a", "page-b"),  # otherwise as strings
        ("10", "2024-01-01"),  # a number and a date: as strings
    ],
)
def test_engine_compare_cursors_orders_numbers_dates_then_strings(older: str, newer: str) -> None:
    assert compare_cursors(older, newer) == -1
    assert compare_cursors(newer, older) == 1
    assert compare_cursors(newer, newer) == 0


def test_engine_older_cursor_after_a_newer_one_is_not_stored_and_is_logged(
    books: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    manager = manager_of(shop=Unordered({"a": "10", "b": "2", "c": "11", "d": "3"}), books=books)
    flow = make_flow(settings={"chunk_size": 1})
    with capture_logs() as logs:
        result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 4
    assert store.get_cursor(flow.name, "customers") == "11"
    warned = [e for e in logs if e["log_level"] == "warning" and "older cursor" in e["event"]]
    assert [(e["record"], e["cursor"], e["newest"]) for e in warned] == [
        ("b", "2", "10"),
        ("d", "3", "11"),
    ]


def test_engine_create_without_possible_lookup_is_bound_at_once_so_a_crash_makes_no_duplicate(
    shop: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    target = NoLookup("books")
    manager = manager_of(shop=shop, books=target)
    assert manager.system("books").entity("customers").match_keys == ("email",)
    for n in range(1, 6):
        shop.put("customers", f"c{n}", {"name": f"C{n}", "email": f"c{n}@example.com"})
    flow = make_flow()

    run_dying_at_booking(flow, store, manager)  # the process dies booking the chunk
    assert len(target.rows("customers")) == 5
    assert store.get_cursor(flow.name, "customers") is None
    scope = (flow.source.name, flow.target.name, flow.entity)
    assert store.count_bindings(*scope) == 5  # each bound right after its create

    rerun = run_flow(flow, store, manager=manager)
    assert rerun.counts["skipped"] == 5
    assert len(target.rows("customers")) == 5 and len(target.writes) == 5
    recovered = [e for e in store.activity(flow=flow.name) if e.action == "recovered"]
    assert sorted(e.record_id for e in recovered) == ["c1", "c2", "c3", "c4", "c5"]
    assert all((e.message or "").startswith("created by run 1, which crashed") for e in recovered)
    sent = {e.sent["email"] for e in recovered if e.sent}
    assert sent == {f"c{n}@example.com" for n in range(1, 6)}


def test_engine_run_flow_takes_a_token_store_and_prepares_both_connections(
    shop: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "A", "email": "a@example.com"})
    spy = ConnectionSpy()
    manager.register(spy, "spy")
    tokens = MemoryTokenStore()
    prepared: list[Connection] = []

    def prepare(connection: Connection) -> None:
        connection.cache["prepared"] = True
        prepared.append(connection)

    result = run_flow(
        make_flow(), store, manager=manager, token_store=tokens, prepare_connection=prepare
    )
    assert result.counts["created"] == 1
    assert [c.name for c in prepared] == ["shop", "books"]
    assert {c.name for c in spy.seen} == {"shop", "books"}
    assert all(c.cache.get("prepared") and c.token_store is tokens for c in spy.seen)


def test_engine_connections_use_the_state_stores_tokens_by_default(
    shop: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "A", "email": "a@example.com"})
    spy = ConnectionSpy()
    manager.register(spy, "spy")
    run_flow(make_flow(), store, manager=manager)
    assert spy.seen and all(c.token_store is store.token_store() for c in spy.seen)


def test_engine_refuses_a_flow_of_the_relation_queue(
    manager: KoppelPluginManager, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    """Its relations get their numbers and go out through `koppel relations`, never by a
    run that would push them unnumbered past the queue."""
    flow = make_flow("relations", settings={"relations": {"export": "xml"}})
    with pytest.raises(ConfigurationError, match="koppel relations export") as caught:
        run_flow(flow, store, manager=manager)
    assert caught.value.context["path"] == "settings.relations"
    assert store.runs(flow.name) == []  # refused before a run began
