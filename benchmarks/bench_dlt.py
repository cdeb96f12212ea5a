"""koppel side by side with dlt, both reading the same served eAccounting sandbox.

Serves the eAccounting sandbox with ``--orders`` generated orders (``koppel sandbox
serve eaccounting --volume N``, in its own process), then runs, interleaved and
each in a fresh process:

- **koppel**: a flow reading eAccounting orders (with their customers and
  articles) into an instant in-memory target, SQLite state (the whole first sync:
  read, map, decide, write, bind, activity log);
- **dlt**: a ``dlt.resource`` paging the same ``/v2/orders`` endpoint with the same
  page size, ``pipeline.run`` to dlt's ``dummy`` destination (extract, normalize,
  load).

CPU is the contender process's own (user + system, after its imports, children
included); the sandbox's CPU is not counted. Reported: medians and the CPU ratio
koppel / dlt, the activity log's bytes per order on disk (SQLite ``dbstat``: rows,
parts and indexes) and its share of the first sync's CPU. Then, in this process,
the unchanged re-run of ``--rerun-records`` generated customers
(``bench_engine.py``'s flow) with skipping before mapping and without it (the
previous way: every record mapped and skipped by its payload's hash), interleaved.

    python benchmarks/bench_dlt.py --orders 10000 --runs 3 --rerun-records 100000

``--instructions`` then runs each contender once more under valgrind's callgrind and
reports the instructions of its run alone (``run_flow``, ``pipeline.run``): they repeat
within about 0.15% from run to run where CPU times on a shared machine vary by 15 to
30%, so they show what a change did; the goal's measure stays the CPU ratio.

``--baseline REV`` adds a third contender: koppel's core and eAccounting plugin as of
git revision REV (unpacked with ``git archive``, put first on ``PYTHONPATH``), the
same flow and target, to show what changed since.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 500


#: Set (by ``--instructions``) in a contender run under callgrind: count only the run.
CALLGRIND_ENV = "BENCH_DLT_CALLGRIND"


@contextlib.contextmanager
def _measured() -> Iterator[None]:
    """Under callgrind (``--instructions``), count the instructions of the block only."""
    counting = bool(os.environ.get(CALLGRIND_ENV))
    if counting:
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True)
    try:
        yield
    finally:
        if counting:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _token(ready: Mapping[str, Any]) -> dict[str, Any]:
    """A fresh OAuth token from the served sandbox (authorization code grant)."""
    with httpx.Client() as http:
        answer = http.get(
            ready["authorize_url"],
            params={"client_id": ready["client_id"], "redirect_uri": "http://127.0.0.1/cb"},
        )
        code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
        token = http.post(
            ready["token_url"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": ready["client_id"],
                "client_secret": ready["client_secret"],
                "redirect_uri": "http://127.0.0.1/cb",
            },
        )
        token.raise_for_status()
        result: dict[str, Any] = token.json()
        return result


# -- koppel ------------------------------------------------------------------------


class InstantOrders:
    """A target that takes every order at once and keeps nothing but a counter."""

    def __init__(self) -> None:
        self.writes = 0

    def plugin(self) -> Any:
        from koppel.plugins import hookimpl
        from koppel.sync import WriteResult
        from koppel.system import EntityInfo, SystemInfo

        outer = self

        class Plugin:
            @hookimpl
            def koppel_system(self) -> SystemInfo:
                return SystemInfo(
                    name="instant",
                    title="instant",
                    entities=(EntityInfo(name="orders", write=True, match_keys=("number",)),),
                )

            @hookimpl
            def find_existing(
                self, connection: Any, entity: str, match_key: str, values: Any
            ) -> Any:
                return {}

            @hookimpl
            def upsert(
                self, connection: Any, entity: str, action: Any, payload: Any, target_id: Any
            ) -> Any:
                outer.writes += 1
                return WriteResult(target_id=target_id or f"t{outer.writes}")

        return Plugin()


def run_koppel(ready: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from koppel.engine import run_flow
    from koppel.flows import parse_flow
    from koppel.http import MemoryTokenStore, OAuthToken
    from koppel.plugins import KoppelPluginManager
    from koppel.state import StateStore, open_state

    os.environ.setdefault("KOPPEL_SECRET_KEY", "benchmark-key-not-used-for-anything-0000000=")
    os.environ["BENCH_EA_ID"] = ready["client_id"]
    os.environ["BENCH_EA_SECRET"] = ready["client_secret"]
    manager = KoppelPluginManager()
    manager.load_builtins()
    others = {ep.name for ep in entry_points(group="koppel")} - {"eaccounting"}
    manager.load_entry_points(disabled=others)
    target = InstantOrders()
    manager.register(target.plugin(), "instant")
    flow = parse_flow(
        {
            "name": "bench",
            "source": "ea",
            "target": "dst",
            "entity": "orders",
            "connections": {
                "ea": {
                    "system": "eaccounting",
                    "settings": {**ready["settings"], "page_size": PAGE_SIZE},
                    "credentials": {
                        "client_id": "env:BENCH_EA_ID",
                        "client_secret": "env:BENCH_EA_SECRET",
                    },
                },
                "dst": {"system": "instant"},
            },
        }
    )
    token = _token(ready)
    tokens = MemoryTokenStore()
    tokens.save(
        "ea",
        OAuthToken(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=datetime.now(UTC) + timedelta(seconds=int(token["expires_in"])),
        ),
    )
    activity_cpu = [0.0]
    log_activity = StateStore._log_activity

    def timed_log(self: Any, *args: Any, **kwargs: Any) -> None:
        started = time.thread_time()
        try:
            log_activity(self, *args, **kwargs)
        finally:
            activity_cpu[0] += time.thread_time() - started

    StateStore._log_activity = timed_log  # type: ignore[method-assign]
    path = folder / "state.sqlite3"
    with open_state(str(path)) as store:
        cpu, wall = _cpu(), time.perf_counter()
        with _measured():
            result = run_flow(flow, store, manager=manager, token_store=tokens)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        with store.engine.connect() as conn:
            sizes = dict(
                conn.exec_driver_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").all()
            )
    logged = sum(size for name, size in sizes.items() if "activity" in name)
    orders = result.counts["created"]
    assert orders and target.writes == orders, result.counts
    return {
        "cpu": cpu,
        "wall": wall,
        "records": orders,
        "activity_cpu": activity_cpu[0],
        "activity_bytes": logged,
        "state_bytes": sum(sizes.values()),
    }


# -- dlt ---------------------------------------------------------------------------


def run_dlt(ready: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    os.environ["DLT_DATA_DIR"] = str(folder / "dlt-data")
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    import dlt

    token = _token(ready)
    api = ready["settings"]["api_url"]

    @dlt.resource(name="orders", write_disposition="append")
    def orders() -> Iterator[list[dict[str, Any]]]:
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        with httpx.Client(base_url=api, headers=headers, timeout=60) as http:
            page = 1
            while True:
                answer = http.get("orders", params={"$page": page, "$pagesize": PAGE_SIZE})
                answer.raise_for_status()
                body = answer.json()
                yield body["Data"]
                if page >= body["Meta"]["TotalNumberOfPages"]:
                    return
                page += 1

    pipeline = dlt.pipeline(
        pipeline_name="bench",
        destination=dlt.destinations.dummy(completed_prob=1.0),  # every job completes at once
        dataset_name="bench",
        pipelines_dir=str(folder / "pipelines"),
    )
    cpu, wall = _cpu(), time.perf_counter()
    with _measured():
        info = pipeline.run(orders())
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    counts = pipeline.last_trace.last_normalize_info.row_counts  # type: ignore[union-attr]
    assert not info.has_failed_jobs
    return {"cpu": cpu, "wall": wall, "records": counts.get("orders", 0)}


# -- the side by side ----------------------------------------------------------------


def serve(orders: int, folder: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ready_file = folder / "ready.json"
    koppel = Path(sys.executable).with_name("koppel")
    server = subprocess.Popen(
        [
            str(koppel),
            "sandbox",
            "serve",
            "eaccounting",
            "--port",
            "0",
            "--volume",
            str(orders),
            "--ready-file",
            str(ready_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not ready_file.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the sandbox did not start")
        time.sleep(0.2)
    time.sleep(0.2)
    return server, json.loads(ready_file.read_text())


def baseline_tree(rev: str, folder: Path) -> Path:
    """Core and the eAccounting plugin as of ``rev``, unpacked into ``folder``."""
    root = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], check=True, capture_output=True, text=True
    ).stdout.strip()
    tree = folder / "baseline"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", root, "archive", rev, "core", "plugins/koppel-eaccounting"],
        capture_output=True,
    )
    if archive.returncode:
        raise SystemExit(f"--baseline {rev}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    _compile(tree)
    return tree


def _compile(*folders: Path) -> None:
    """Byte-compile ``folders``, so that no contender compiles a module it imports during
    the run inside its measured time (``PYTHONDONTWRITEBYTECODE`` would make it do so on
    every run)."""
    for folder in folders:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(folder)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _installed(*packages: str) -> list[Path]:
    """The folders the koppel contender imports ``packages`` from."""
    folders = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        folders.extend(Path(location) for location in spec.submodule_search_locations)
    return folders


def contender(
    name: str,
    ready_path: Path,
    folder: Path,
    baseline: Path | None = None,
    *,
    instructions: bool = False,
) -> dict[str, Any]:
    """One run of contender ``name`` in a fresh process; with ``instructions``, under
    callgrind, adding the instructions its run took (``instructions``)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if name == "before":  # koppel as of --baseline: its core and plugin come first
        assert baseline is not None
        paths = [baseline / "core", baseline / "plugins" / "koppel-eaccounting"]
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    counts = folder / "callgrind.out"
    valgrind = []
    if instructions:
        env[CALLGRIND_ENV] = "1"
        valgrind = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={counts}",
        ]
    out = subprocess.run(
        [
            *valgrind,
            sys.executable,
            __file__,
            "--contender",
            "dlt" if name == "dlt" else "koppel",
            "--ready",
            str(ready_path),
            "--folder",
            str(folder),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if instructions:
        totals = [line for line in counts.read_text().splitlines() if line.startswith("totals:")]
        result["instructions"] = int(totals[0].split()[1])
    return result


def side_by_side(orders: int, runs: int, baseline: str | None, *, instructions: bool) -> None:
    names = ["koppel", "dlt", *(["before"] if baseline else [])]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tree = baseline_tree(baseline, folder) if baseline else None
        _compile(*_installed("koppel", "koppel_eaccounting"))
        server, _ = serve(orders, folder)
        try:
            for round_ in range(runs):
                shift = round_ % len(names)  # each contender takes each place in turn
                for name in names[shift:] + names[:shift]:
                    where = folder / f"{name}-{round_}"
                    result = contender(name, folder / "ready.json", where, tree)
                    results[name].append(result)
                    print(
                        f"round {round_ + 1} {name:<6} {result['records']:>6} orders  "
                        f"CPU {result['cpu']:6.2f} s  wall {result['wall']:6.2f} s",
                        flush=True,
                    )
            counted = {
                name: contender(
                    name, folder / "ready.json", folder / f"{name}-ir", tree, instructions=True
                )
                for name in (names if instructions else [])
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    median = {name: _medians(rows) for name, rows in results.items()}
    print()
    print(f"first sync of {orders:,} eAccounting orders, medians of {runs} interleaved runs")
    for name in names:
        m = median[name]
        label = f"before ({baseline})" if name == "before" else name
        print(
            f"{label:<18} CPU {m['cpu']:6.2f} s  wall {m['wall']:6.2f} s  "
            f"{m['records'] / m['wall']:>8,.0f} orders/s (wall)"
        )
    for name in names:
        if name == "dlt":
            continue
        ratios = [k["cpu"] / d["cpu"] for k, d in zip(results[name], results["dlt"], strict=True)]
        label = f"before ({baseline})" if name == "before" else "koppel"
        print(
            f"CPU ratio {label} / dlt: median {statistics.median(ratios):.2f} "
            f"(per round: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
        k = median[name]
        shares = [row["activity_cpu"] / row["cpu"] for row in results[name]]
        print(
            f"  activity log: {k['activity_bytes'] / k['records']:,.0f} bytes per order on disk "
            f"({k['activity_bytes'] / k['state_bytes']:.0%} of the state file), "
            f"{statistics.median(shares):.1%} of first-sync CPU "
            f"(runs {min(shares):.1%} to {max(shares):.1%})"
        )
    for name, result in counted.items():
        label = f"before ({baseline})" if name == "before" else name
        print(
            f"instructions {label:<18} {result['instructions'] / 1e9:6.2f} billion (callgrind), "
            f"{result['instructions'] / counted['dlt']['instructions']:.2f} of dlt's"
        )


def _medians(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


# -- unchanged re-run, with and without skipping before mapping ---------------------


def unchanged_rerun(records: int, runs: int) -> None:
    sys.path.insert(0, str(HERE))
    import bench_engine

    from koppel.engine import _decide, run_flow
    from koppel.state import open_state

    os.environ.setdefault("KOPPEL_SECRET_KEY", "benchmark-key-not-used-for-anything-0000000=")

    def unhashable(data: Any) -> str:
        raise TypeError("the previous way: no source hash")

    ways: dict[str, Callable[[Any], str]] = {
        "skip before mapping": _decide.source_text,
        "previous way": unhashable,
    }
    timings: dict[str, list[float]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as tmp:
        flow, manager, target, state = bench_engine.setup(records, Path(tmp))
        with open_state(state) as store:
            first = run_flow(flow, store, manager=manager)
            assert first.counts["created"] == records
            for round_ in range(runs):
                names = list(ways) if round_ % 2 == 0 else list(reversed(ways))
                for way in names:
                    _decide.source_text = ways[way]  # type: ignore[assignment]
                    started = time.perf_counter()
                    again = run_flow(flow, store, manager=manager, full=True)
                    timings[way].append(time.perf_counter() - started)
                    assert again.counts["skipped"] == records and target.writes == records
        _decide.source_text = ways["skip before mapping"]  # type: ignore[assignment]
    print()
    print(f"unchanged re-run of {records:,} records, medians of {runs} interleaved runs")
    for way, seconds in timings.items():
        s = statistics.median(seconds)
        print(f"{way:<20} {s:6.2f} s  {records / s:>9,.0f} records/s")
    gain = statistics.median(timings["previous way"]) / statistics.median(
        timings["skip before mapping"]
    )
    print(f"skip before mapping is {gain:.2f}x as fast")


def _count(text: str) -> int:
    """A whole number of at least 0 (argparse type)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 0")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=_count, default=10_000, help="0 leaves it out")
    parser.add_argument("--runs", type=_count, default=3)
    parser.add_argument("--rerun-records", type=_count, default=100_000, help="0 leaves it out")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also run koppel as of this git revision (core and the eAccounting plugin)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="then run each contender once under callgrind and count its run's instructions",
    )
    parser.add_argument("--contender", choices=("koppel", "dlt"), help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs == 0 and (args.orders or args.rerun_records):
        parser.error("--runs must be at least 1")
    if args.contender:
        ready = json.loads(args.ready.read_text())
        run = run_koppel if args.contender == "koppel" else run_dlt
        print(json.dumps(run(ready, args.folder)))
        return
    if args.orders:
        side_by_side(args.orders, args.runs, args.baseline, instructions=args.instructions)
    if args.rerun_records:
        unchanged_rerun(args.rerun_records, args.runs)


if __name__ == "__main__":
    main()
