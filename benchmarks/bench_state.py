"""State store cost per record as the engine uses it, in chunks of 500.

Run: python benchmarks/bench_state.py [--records N] [--chunk 500] [--state PATH_OR_URL]
First sync per chunk: get_bindings (all miss), bind_many, log_activity_many.
Unchanged re-run per chunk: get_bindings (all hit), log_activity_many of "skip" entries.
Engine goals (issue 4, whole engine): 5,000 records/s first sync, 20,000/s unchanged.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from koppel.state import NewActivity, StateStore, open_state

KEY = ("shop", "exact", "order")


def chunked(total: int, size: int) -> list[list[str]]:
    ids = [f"order-{n}" for n in range(total)]
    return [ids[i : i + size] for i in range(0, total, size)]


def first_sync(store: StateStore, run_id: int, chunks: list[list[str]]) -> None:
    for ids in chunks:
        found = store.get_bindings(*KEY, ids)
        assert not found
        store.bind_many(*KEY, [(i, f"X-{i}", f"hash-{i}") for i in ids])
        store.log_activity_many(
            run_id,
            "bench",
            [
                NewActivity(
                    entity="order",
                    record_id=i,
                    action="create",
                    source={"id": i, "total": "12.50", "email": "a@example.com"},
                    sent={"OrderNumber": i, "Amount": 12.5},
                    response={"ID": f"X-{i}"},
                )
                for i in ids
            ],
        )


def rerun(store: StateStore, run_id: int, chunks: list[list[str]], *, log: bool) -> None:
    for ids in chunks:
        found = store.get_bindings(*KEY, ids)
        assert len(found) == len(ids)
        if log:
            store.log_activity_many(
                run_id,
                "bench",
                [NewActivity(entity="order", record_id=i, action="skip") for i in ids],
            )


def timed(label: str, records: int, action: object) -> None:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label:<38} {records:>8} records {seconds:6.2f} s {records / seconds:>9,.0f} records/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--state", help="path or URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.state or str(Path(tmp) / "bench.sqlite3")
        with open_state(where) as store:
            chunks = chunked(args.records, args.chunk)
            run_id = store.start_run("bench")
            timed(
                "first sync (lookup+bind+activity)",
                args.records,
                lambda: first_sync(store, run_id, chunks),
            )
            timed(
                "unchanged re-run (lookup only)",
                args.records,
                lambda: rerun(store, run_id, chunks, log=False),
            )
            timed(
                "unchanged re-run (lookup+skip log)",
                args.records,
                lambda: rerun(store, run_id, chunks, log=True),
            )
            store.finish_run(run_id, status="ok", counts={})


if __name__ == "__main__":
    main()
