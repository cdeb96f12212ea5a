"""Activity log: what came in, what was sent, the answer; filters and purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from koppel.state import NewActivity, StateStore
from koppel.state._documents import DICT_SAMPLES, PART_KEY, decompress, dictionary_id
from koppel.state._schema import activity, activity_parts
from koppel.testing import StateTarget

from .conftest import Clock


def test_state_activity_roundtrip_redacted(store: StateStore, clock: Clock) -> None:
    run_id = store.start_run("f")
    store.log_activity(
        run_id,
        "f",
        "order",
        "o1",
        "create",
        source={"id": "o1", "total": Decimal("12.50"), "customer": {"api_key": "k"}},
        sent={"Amount": 12.5, "Authorization": "Bearer x"},
        response={"ID": "X1"},
        message=None,
    )
    [entry] = store.activity(run_id)
    assert entry.source == {"id": "o1", "total": "12.50", "customer": {"api_key": "[redacted]"}}
    assert entry.sent == {"Amount": 12.5, "Authorization": "[redacted]"}
    assert entry.response == {"ID": "X1"}
    assert (entry.run_id, entry.flow, entry.entity, entry.action) == (
        run_id,
        "f",
        "order",
        "create",
    )
    assert entry.created_at == clock.now


def test_state_activity_many_and_filters(store: StateStore) -> None:
    run_a = store.start_run("f")
    run_b = store.start_run("g")
    store.log_activity_many(
        run_a,
        "f",
        [
            NewActivity(entity="order", record_id=f"o{n}", action="fail" if n == 3 else "create")
            for n in range(5)
        ],
    )
    store.log_activity_many(
        run_b, "g", [NewActivity(entity="customer", record_id="o3", action="skip")]
    )
    assert [e.record_id for e in store.activity(run_a)] == ["o0", "o1", "o2", "o3", "o4"]
    assert [e.record_id for e in store.activity(run_a, failed_only=True)] == ["o3"]
    assert [e.run_id for e in store.activity(record_id="o3")] == [run_a, run_b]
    assert [e.action for e in store.activity(flow="g")] == ["skip"]
    assert [e.record_id for e in store.activity(entity="order", limit=2)] == ["o3", "o4"]
    store.log_activity_many(run_a, "f", [])


def test_state_purge_older_than(store: StateStore, clock: Clock) -> None:
    store.log_activity(None, "f", "order", "old", "create")
    clock.advance(days=20)
    store.log_activity(None, "f", "order", "mid", "create")
    clock.advance(days=15)
    store.log_activity(None, "f", "order", "new", "create")
    assert store.purge_activity(timedelta(days=30)) == 1
    assert [e.record_id for e in store.activity()] == ["mid", "new"]
    assert store.purge_activity(timedelta(days=30)) == 0
    clock.advance(seconds=1)
    assert store.purge_activity(timedelta(0)) == 2


def test_state_activity_missing_documents_are_none(store: StateStore) -> None:
    store.log_activity(None, "f", "order", "o1", "skip", sent={"a": 1})
    store.log_activity(None, "f", "order", "o2", "skip")
    first, second = store.activity()
    assert (first.source, first.sent, first.response) == (None, {"a": 1}, None)
    assert (second.source, second.sent, second.response) == (None, None, None)
    with store.engine.connect() as conn:
        payloads = conn.execute(sa.select(activity.c.payload).order_by(activity.c.id)).scalars()
        assert [p is None for p in payloads] == [False, True]


def test_state_activity_payload_is_compressed_in_one_column(store: StateStore) -> None:
    source = {"id": "o1", "note": "lorem ipsum " * 50}
    store.log_activity(None, "f", "order", "o1", "create", source=source, sent={"n": 1})
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(activity)).one()
    assert row.source is None and row.sent is None and row.response is None
    assert 0 < len(row.payload) < len(json.dumps(source)) / 4
    assert store.activity()[0].source == source


def test_state_activity_rows_written_before_compression_stay_readable(store: StateStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            activity.insert().values(
                flow="f",
                entity="order",
                record_id="old",
                action="create",
                source={"id": "old"},
                sent={"Amount": 1},
                response={"ID": "X"},
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    store.log_activity(None, "f", "order", "new", "create", source={"id": "new"})
    old, new = store.activity()
    assert (old.source, old.sent, old.response) == ({"id": "old"}, {"Amount": 1}, {"ID": "X"})
    assert new.source == {"id": "new"}


def _order(number: int, customer: dict[str, object]) -> dict[str, object]:
    article = {
        "Number": "A-1",
        "Name": "Article one, blue",
        "Unit": "piece",
        "Barcodes": ["8712345678906"],
        "Vat": 21,
    }
    return {
        "Id": f"o{number}",
        "Customer": customer,
        "Rows": [{"Line": n, "Article": article, "Quantity": n} for n in range(3)],
    }


def test_state_activity_recurring_master_data_is_stored_once(
    store: StateStore, clock: Clock
) -> None:
    customer = {"Name": "Jansen BV", "EmailAddress": "info@jansen.nl", "City": "Utrecht" * 5}
    for number in range(1, 6):
        store.log_activity(
            None, "f", "order", f"o{number}", "create", source=_order(number, customer)
        )
    with store.engine.connect() as conn:
        parts = conn.execute(sa.select(sa.func.count()).select_from(activity_parts)).scalar_one()
        stored = [
            json.loads(decompress(p)) for p in conn.execute(sa.select(activity.c.payload)).scalars()
        ]
    assert parts == 2  # the customer and the article, once each
    assert stored[0]["source"]["Customer"] == customer  # seen once: inline
    assert set(stored[4]["source"]["Customer"]) == {PART_KEY}
    assert [set(row["Article"]) for row in stored[4]["source"]["Rows"]] == [{PART_KEY}] * 3
    assert [e.source for e in store.activity()] == [_order(n, customer) for n in range(1, 6)]


def test_state_activity_secrets_in_master_data_are_redacted_before_storing(
    store: StateStore,
) -> None:
    customer = {"Name": "Jansen BV", "ApiKey": "s3cret", "City": "Utrecht" * 10}
    for number in (1, 2):
        store.log_activity(
            None, "f", "order", f"o{number}", "create", source=_order(number, customer)
        )
    with store.engine.connect() as conn:
        data = [decompress(p) for p in conn.execute(sa.select(activity_parts.c.data)).scalars()]
    assert data and not any("s3cret" in text for text in data)
    assert store.activity()[1].source["Customer"]["ApiKey"] == "[redacted]"


def test_state_purge_removes_parts_no_kept_entry_references(
    store: StateStore, clock: Clock
) -> None:
    old = {"Name": "Old customer", "City": "Amsterdam" * 10}
    kept = {"Name": "Kept customer", "City": "Rotterdam" * 10}
    for number in (1, 2):
        store.log_activity(None, "f", "order", f"a{number}", "create", source=_order(number, old))
    clock.advance(days=40)
    for number in (3, 4):
        store.log_activity(None, "f", "order", f"b{number}", "create", source=_order(number, kept))
    assert store.purge(timedelta(days=30)).activity == 2
    with store.engine.connect() as conn:
        texts = [decompress(p) for p in conn.execute(sa.select(activity_parts.c.data)).scalars()]
    assert not any("Old customer" in text for text in texts)
    assert any("Kept customer" in text for text in texts)  # the article is used by both
    assert [e.source for e in store.activity()] == [_order(3, kept), _order(4, kept)]


def test_state_a_part_in_use_is_kept_by_purge(store: StateStore, clock: Clock) -> None:
    customer = {"Name": "Jansen BV", "City": "Utrecht" * 10}
    for number in (1, 2):
        store.log_activity(
            None, "f", "order", f"o{number}", "create", source=_order(number, customer)
        )
    clock.advance(days=40)  # referenced again long after: used_at moves on
    store.log_activity(None, "f", "order", "o3", "create", source=_order(3, customer))
    store.purge(timedelta(days=30))
    assert [e.source for e in store.activity()] == [_order(3, customer)]


def _batch(first: int, count: int) -> list[NewActivity]:
    return [
        NewActivity(
            entity="order",
            record_id=f"o{n}",
            action="create",
            source={"Id": f"o{n}", "Number": 1000 + n, "City": ["Utrecht", "Delft"][n % 2]},
            sent={"number": str(1000 + n), "lines": [{"qty": n % 7, "price": f"{n}.95"}]},
        )
        for n in range(first, first + count)
    ]


def _dictionaries(store: StateStore) -> list[str]:
    with store.engine.connect() as conn:
        query = sa.select(activity_parts.c.hash).where(activity_parts.c.hash.like("zdict:%"))
        return list(conn.execute(query).scalars())


def test_state_activity_a_flow_gets_a_compression_dictionary_kept_while_used(
    target: StateTarget, clock: Clock
) -> None:
    with target.open(clock=clock) as store:
        store.log_activity_many(None, "f", _batch(0, 3))  # too few to train on
        assert _dictionaries(store) == []
        store.log_activity_many(None, "f", _batch(3, DICT_SAMPLES))
        (dictionary,) = _dictionaries(store)
        with store.engine.connect() as conn:
            payloads = conn.execute(sa.select(activity.c.payload)).scalars().all()
        ids = [dictionary_id(p) for p in payloads]
        assert ids[:3] == [0, 0, 0] and set(ids[3:]) == {int(dictionary.split(":")[1])}
    with target.open(clock=clock) as store:  # another process: the stored one is taken
        store.log_activity_many(None, "f", _batch(200, 2))
        assert _dictionaries(store) == [dictionary]
        entries = store.activity(limit=10_000)
        assert [e.source["Number"] for e in entries if e.source] == [
            *range(1000, 1000 + 3 + DICT_SAMPLES),
            1200,
            1201,
        ]
        clock.advance(days=40)
        store.purge(timedelta(days=30))
        assert _dictionaries(store) == []  # no entry is left that needs it


def test_state_activity_an_entry_whose_dictionary_is_gone_says_so(store: StateStore) -> None:
    store.log_activity_many(None, "f", _batch(0, DICT_SAMPLES))
    with store.engine.begin() as conn:
        conn.execute(activity_parts.delete().where(activity_parts.c.hash.like("zdict:%")))
    entry = store.activity(limit=1)[0]
    assert "no longer stored" in entry.source["purged"] and entry.sent is None


def test_state_purge_of_everything_leaves_no_part_behind(store: StateStore, clock: Clock) -> None:
    customer = {"Name": "Jansen BV", "City": "Utrecht" * 10}
    store.log_activity_many(None, "f", _batch(0, DICT_SAMPLES))
    for number in (1, 2):
        store.log_activity(
            None, "f", "order", f"o{number}", "create", source=_order(number, customer)
        )
    clock.advance(seconds=1)
    store.purge(timedelta(0))
    with store.engine.connect() as conn:
        left = conn.execute(sa.select(activity_parts.c.hash)).scalars().all()
    assert left == []


def test_state_purge_keeps_the_parts_and_dictionary_entries_kept_need(
    store: StateStore, clock: Clock
) -> None:
    customer = {"Name": "Jansen BV", "City": "Utrecht" * 10}
    store.log_activity_many(None, "f", _batch(0, DICT_SAMPLES))
    store.log_activity(None, "f", "order", "o1", "create", source=_order(1, customer))
    clock.advance(minutes=30)  # the parts' used_at is not moved on: less than an hour
    store.log_activity(None, "f", "order", "o2", "create", source=_order(2, customer))
    store.log_activity_many(None, "f", _batch(500, 2))
    store.purge(timedelta(minutes=10))  # keeps o2 and the last batch only
    entries = store.activity()
    assert [e.record_id for e in entries] == ["o2", "o500", "o501"]
    assert entries[0].source == _order(2, customer)
    assert [e.source["Number"] for e in entries[1:]] == [1500, 1501]
