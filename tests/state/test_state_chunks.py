"""A chunk's bookkeeping in one transaction, and the journal of writes in flight."""

from __future__ import annotations

import pytest

from koppel.engine._hash import payload_text
from koppel.state import ChunkBooking, NewActivity, NewParked, StateStore

SCOPE = ("shop", "books", "orders")


def booking(**overrides: object) -> ChunkBooking:
    values: dict[str, object] = {
        "run_id": 1,
        "flow": "orders",
        "scope": SCOPE,
        "binds": [("o1", "T1", "h1"), ("o2", "T2", "h2")],
        "park": [
            NewParked(source_id="o3", data={"Id": "o3"}, message="bad", error="E", cursor="3")
        ],
        "activity": [NewActivity(entity="orders", record_id="o1", action="create")],
        "settled": ["o1", "o2", "o3"],
        "cursor": "3",
    }
    values.update(overrides)
    return ChunkBooking(**values)  # type: ignore[arg-type]


def test_state_book_chunk_stores_everything_of_the_chunk(store: StateStore) -> None:
    store.journal_writes(1, "orders", "orders", [("o1", "create", {"n": 1}, None)])
    store.book_chunk(booking())
    assert set(store.get_bindings(*SCOPE, ["o1", "o2"])) == {"o1", "o2"}
    assert [p.source_id for p in store.parked("orders")] == ["o3"]
    assert [e.record_id for e in store.activity(flow="orders")] == ["o1"]
    assert store.get_cursor("orders", "orders") == "3"
    assert store.pending_writes("orders", "orders") == {}


def test_state_book_chunk_that_fails_midway_stores_nothing(store: StateStore) -> None:
    unstorable = NewActivity(
        entity="orders", record_id="o2", action="create", sent={("not", "a", "key"): 1}
    )
    with pytest.raises(TypeError):
        store.book_chunk(booking(activity=[unstorable]))
    assert store.get_bindings(*SCOPE, ["o1", "o2"]) == {}
    assert store.parked("orders") == []
    assert store.get_cursor("orders", "orders") is None


def test_state_journal_keeps_writes_until_a_booking_settles_them(store: StateStore) -> None:
    store.journal_writes(4, "orders", "orders", [("o1", "create", {"n": 1, "api_key": "s"}, None)])
    store.journal_writes(
        5, "orders", "orders", [("o1", "update", {"n": 2}, None), ("o2", "create", {}, None)]
    )
    pending = store.pending_writes("orders", "orders")
    assert (pending["o1"].run_id, pending["o1"].action, pending["o1"].sent) == (
        5,
        "update",
        {"n": 2},
    )
    store.book_chunk(booking(binds=[], park=[], activity=[], settled=["o1"], cursor=None))
    assert list(store.pending_writes("orders", "orders")) == ["o2"]
    assert store.pending_writes("other", "orders") == {}


def test_state_journal_stores_the_json_the_caller_made_else_redacts_the_payload(
    store: StateStore,
) -> None:
    made = '{"Lines":[{"n":1}],"b":"\\u00e9"}'  # what the engine hashed: this text is kept
    store.journal_writes(
        1,
        "orders",
        "orders",
        [
            ("o1", "create", {"b": "é", "Lines": [{"n": 1}]}, made),
            ("o2", "create", {"n": 2, "Token": "t"}, None),  # a secret: no text given
            # the engine's text holds null for NaN, as the content hash was taken of it
            ("o3", "create", {"n": float("nan")}, payload_text({"n": float("nan")})),
            ("o4", "update", {"n": 4}, None),
            # PostgreSQL's JSONB refuses \u0000: the payload is encoded for the store
            ("o5", "create", {"s": "a\x00b"}, payload_text({"s": "a\x00b"})),
        ],
    )
    pending = store.pending_writes("orders", "orders")
    assert pending["o1"].sent == {"Lines": [{"n": 1}], "b": "é"}
    assert pending["o2"].sent == {"n": 2, "Token": "[redacted]"}
    assert pending["o3"].sent == {"n": None}
    assert pending["o4"].sent == {"n": 4}
    assert pending["o5"].sent == {"s": "a\ufffdb"}


def test_state_activity_logs_the_journaled_json_as_sent(store: StateStore) -> None:
    nan = {"n": float("nan")}  # the engine's text (which the log keeps) holds null for NaN
    writes: list[tuple[str, str, dict[str, float], str]] = [
        ("o1", "create", {"n": 1}, '{"n":1}'),
        ("o2", "create", nan, payload_text(nan)),
    ]
    store.journal_writes(1, "orders", "orders", writes)
    entries = [
        NewActivity(entity="orders", record_id=i, action="create", sent=sent, sent_json=text)
        for i, _, sent, text in writes
    ]
    store.book_chunk(booking(binds=[], park=[], activity=entries, cursor=None))
    sent = {e.record_id: e.sent for e in store.activity(flow="orders")}
    assert sent == {"o1": {"n": 1}, "o2": {"n": None}}


def test_state_binding_clashes_name_the_owner(store: StateStore) -> None:
    store.bind(*SCOPE, "o1", "T1", None)
    clashes = store.binding_clashes(
        SCOPE, [("o1", "T1", None), ("o2", "T1", None), ("o3", "T3", None), ("o4", "T3", None)]
    )
    assert clashes == {"o2": "o1", "o4": "o3"}


def test_state_store_keeps_a_non_finite_number_as_text(store: StateStore) -> None:
    store.log_activity(1, "orders", "orders", "o1", "create", source={"total": float("inf")})
    assert store.activity(flow="orders")[0].source == {"total": "inf"}


def test_state_store_keeps_a_nul_character_readable(store: StateStore) -> None:
    store.park("orders", "orders", "o1", {"id": "c\x00x", "c\x00": 1}, "bad id", "E", None)
    assert store.parked("orders")[0].data == {"id": "c\ufffdx", "c\ufffd": 1}
