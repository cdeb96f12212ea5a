"""Engine overhead per record: an instant in-memory target, SQLite state.

Runs a customers flow over N generated records twice: the first sync (every
record created and bound) and an unchanged re-run with ``--full`` (every
record read, mapped, hashed and skipped). Then measures peak Python memory
(tracemalloc) of a first sync at two sizes, to show it does not grow with N.

    python benchmarks/bench_engine.py --records 100000
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from koppel.engine import run_flow
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager, hookimpl
from koppel.state import open_state
from koppel.sync import Action, Connection, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, SystemInfo


class Source:
    """Generates ``count`` customers lazily; nothing is kept in memory."""

    def __init__(self, count: int) -> None:
        self.count = count

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name="gen", title="generated", entities=(EntityInfo(name="customers", read=True),)
        )

    @hookimpl
    def fetch_records(
        self, connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
    ) -> Iterator[SourceRecord]:
        for n in range(int(cursor or 0) + 1, self.count + 1):
            data = {
                "id": str(n),
                "name": f"Customer {n}",
                "email": f"customer{n}@example.com",
                "phone": f"+31 20 {n:07d}",
                "billing_address": {
                    "street": "Damrak",
                    "house_number": str(n),
                    "city": "Amsterdam",
                    "postcode": "1012 LG",
                    "country": "NL",
                },
            }
            yield SourceRecord(id=str(n), data=data, cursor=str(n))


class Target:
    """Answers at once and keeps nothing but a counter."""

    def __init__(self) -> None:
        self.writes = 0
        self.ids = itertools.count(1)

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name="instant",
            title="instant",
            entities=(EntityInfo(name="customers", write=True, match_keys=("email",)),),
        )

    @hookimpl
    def find_existing(
        self, connection: Connection, entity: str, match_key: str, values: Sequence[str]
    ) -> dict[str, TargetRecord]:
        return {}

    @hookimpl
    def upsert(
        self,
        connection: Connection,
        entity: str,
        action: Action,
        payload: Mapping[str, Any],
        target_id: str | None,
    ) -> WriteResult:
        self.writes += 1
        return WriteResult(target_id=target_id or f"t{next(self.ids)}")


def setup(count: int, folder: Path) -> tuple[Any, KoppelPluginManager, Target, str]:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(Source(count), "gen")
    target = Target()
    manager.register(target, "instant")
    flow = parse_flow(
        {
            "name": "bench",
            "source": "src",
            "target": "dst",
            "entity": "customers",
            "connections": {"src": {"system": "gen"}, "dst": {"system": "instant"}},
        }
    )
    return flow, manager, target, str(folder / "state.sqlite3")


def timed(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        flow, manager, target, state = setup(count, Path(folder))
        with open_state(state) as store:
            started = time.perf_counter()
            first = run_flow(flow, store, manager=manager)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            again = run_flow(flow, store, manager=manager, full=True)
            again_s = time.perf_counter() - started
        assert first.counts["created"] == count and again.counts["skipped"] == count
        assert target.writes == count
        for label, seconds in (("first sync", first_s), ("unchanged rerun", again_s)):
            rate = count / seconds
            print(f"{label:<15} {count:>7} records  {seconds:6.2f} s  {rate:>8,.0f} records/s")


def peak_memory(count: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        flow, manager, _, state = setup(count, Path(folder))
        with open_state(state) as store:
            tracemalloc.start()
            run_flow(flow, store, manager=manager)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--memory-sizes", default="10000,50000")
    args = parser.parse_args()
    os.environ.setdefault("KOPPEL_SECRET_KEY", "benchmark-key-not-used-for-anything-0000000=")
    timed(args.records)
    for size in (int(s) for s in args.memory_sizes.split(",") if s):
        print(f"peak memory     {size:>7} records  {peak_memory(size) / 1e6:6.1f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
