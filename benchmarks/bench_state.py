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
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from koppel.state import NewActivity, StateStore, open_state
from koppel.state._engine import resolve_url

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


def timed(label: str, records: int, action: Callable[[], None]) -> None:
    start = time.perf_counter()
    action()
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
        # PostgreSQL: a throwaway schema, dropped afterwards; the database is left as it was.
        schema = f"koppel_bench_{uuid.uuid4().hex[:8]}" if "postgres" in where else None
        try:
            with open_state(where, schema=schema) as store:
                bench(store, args.records, args.chunk)
        finally:
            if schema is not None:
                drop_schema(where, schema)


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(resolve_url(url))
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    engine.dispose()


def bench(store: StateStore, records: int, chunk: int) -> None:
    chunks = chunked(records, chunk)
    run_id = store.start_run("bench")
    timed("first sync (lookup+bind+activity)", records, lambda: first_sync(store, run_id, chunks))
    timed(
        "unchanged re-run (lookup only)", records, lambda: rerun(store, run_id, chunks, log=False)
    )
    timed(
        "unchanged re-run (lookup+skip log)",
        records,
        lambda: rerun(store, run_id, chunks, log=True),
    )
    store.finish_run(run_id, status="ok", counts={})


if __name__ == "__main__":
    main()
