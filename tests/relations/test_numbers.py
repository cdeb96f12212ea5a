"""Numbers for relations: the next free one of the kind's range, never one twice."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from koppel.errors import ConfigurationError
from koppel.records import RelationKind
from koppel.relations import NumberDue, NumberRange, RelationSettings, give_number, give_numbers
from koppel.state import StateStore
from koppel.testing import StateTarget

SETTINGS = RelationSettings(
    queue="q",
    ranges={
        RelationKind.DEBTOR: NumberRange("q:debtor", 10_000, 19_999),
        RelationKind.CREDITOR: NumberRange("q:creditor", 70_000, 70_002),
    },
)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_numbers_come_per_kind_and_a_relation_keeps_its_number(store: StateStore) -> None:
    assert give_number(store, SETTINGS, "1", "debtor", reason="event 5 made final") == 10_000
    assert give_number(store, SETTINGS, "2", "creditor", reason="invoice 9") == 70_000
    assert give_number(store, SETTINGS, "1", "debtor", reason="asked again") == 10_000
    assert give_number(store, SETTINGS, "3", "debtor", reason="operator") == 10_001
    assert store.relation_numbers("q") == {"1": 10_000, "2": 70_000, "3": 10_001}


def test_numbers_a_used_up_range_names_itself_and_the_relation_waits(store: StateStore) -> None:
    due = [NumberDue(str(n), RelationKind.CREDITOR, "event", START) for n in range(5)]
    done = give_numbers(store, SETTINGS, due)
    assert done.numbered == {"0": 70_000, "1": 70_001, "2": 70_002}
    assert set(done.waiting) == {"3", "4"}
    assert "number range 'q:creditor' is used up" in done.waiting["3"]
    assert "relation 3 waits for a number" in done.waiting["3"]


def test_numbers_need_a_range_for_the_kind(store: StateStore) -> None:
    settings = RelationSettings(queue="q")
    with pytest.raises(ConfigurationError, match="no number range for debtors"):
        give_number(store, settings, "1", "debtor", reason="event")


def test_numbers_go_in_the_order_events_were_made_final(store: StateStore) -> None:
    due = [
        NumberDue(f"r{n}", RelationKind.DEBTOR, "event made final", START + timedelta(seconds=n))
        for n in range(300)
    ]
    random.Random(4).shuffle(due)
    done = give_numbers(store, SETTINGS, due)
    assert [done.numbered[f"r{n}"] for n in range(300)] == list(range(10_000, 10_300))


def test_numbers_1000_events_made_final_at_once_get_1000_distinct_numbers(
    store: StateStore,
) -> None:
    given: dict[str, int] = {}
    taken: dict[int, list[int]] = {part: [] for part in range(8)}
    barrier = threading.Barrier(8)

    def worker(part: int) -> None:
        barrier.wait()
        for n in range(part, 1000, 8):
            given[f"r{n}"] = give_number(store, SETTINGS, f"r{n}", "debtor", reason="final")
            taken[part].append(given[f"r{n}"])

    threads = [threading.Thread(target=worker, args=(part,)) for part in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(given) == 1000
    assert sorted(given.values()) == list(range(10_000, 11_000))  # none twice, none skipped
    assert all(numbers == sorted(numbers) for numbers in taken.values())  # each in order
    assert store.relation_numbers("q") == given


WORKER = """
import json, sys, time
from pathlib import Path
from koppel.records import RelationKind
from koppel.relations import NumberRange, RelationSettings, give_number
from koppel.state import open_state

args = json.loads(sys.argv[1])
settings = RelationSettings(queue="q", ranges={
    RelationKind.DEBTOR: NumberRange("q:debtor", 10_000, 19_999)})
with open_state(args["url"], schema=args["schema"]) as store:
    Path(args["ready"]).touch()
    while not Path(args["go"]).exists():
        time.sleep(0.005)
    print(json.dumps({r: give_number(store, settings, r, "debtor", reason="final")
                      for r in args["relations"]}))
"""


def test_numbers_two_processes_never_give_one_number_twice(
    store: StateStore, target: StateTarget, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    procs = []
    for n in range(2):
        args = {
            "url": target.url,
            "schema": target.schema,
            "ready": str(tmp_path / f"ready-{n}"),
            "go": str(go),
            # both ask for "shared": the one that comes second gets the number it has
            "relations": [f"r{k}" for k in range(n * 100, n * 100 + 100)] + ["shared"],
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, json.dumps(args)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    while not all((tmp_path / f"ready-{n}").exists() for n in range(2)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert results[0]["shared"] == results[1]["shared"]
    given = {**results[0], **results[1]}
    assert len(given) == 201
    assert sorted(given.values()) == list(range(10_000, 10_201))
