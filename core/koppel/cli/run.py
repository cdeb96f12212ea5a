"""``koppel run FLOW [FLOW ...]``: sync flows once, with progress on a terminal and a summary.

``--sandbox`` runs them against the systems' emulators (:class:`Sandboxes`) instead
of the real APIs: one sandbox per system for the whole invocation, so a products
flow, a stock flow and an orders flow see the same two emulated systems. What the
sandboxes hold afterwards is kept beside the state file (:meth:`Sandboxes.keep`),
so ``plan --sandbox``, ``parked retry --sandbox`` and the next commands continue from it.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import click

from koppel.cli._flowing import (
    SANDBOX_STATE,
    flow_argument,
    in_flow_file,
    json_option,
    load,
    opened_state,
    print_table,
    record_label,
    sandbox_options,
    state_option,
)
from koppel.cli._kept import KEPT, KeptSandboxes, SandboxData, read_kept, write_kept
from koppel.engine._outcome import COUNT_NAMES, RecordOutcome, RunObserver
from koppel.errors import PluginError

if TYPE_CHECKING:
    from koppel.engine import RunResult
    from koppel.flows import ConnectionConfig, Flow
    from koppel.http import Clock
    from koppel.plugins import KoppelPluginManager
    from koppel.sandbox import Sandbox
    from koppel.state import StateStore
    from koppel.sync import Connection

#: Failed records listed under the summary, at most.
SHOWN_FAILURES = 20


@click.command("run")
@flow_argument(several=True)
@click.option("--dry-run", is_flag=True, help="Do everything except writing: nothing changes.")
@click.option("--limit", type=click.IntRange(min=1), help="Process at most N records per flow.")
@click.option("--full", is_flag=True, help="Read the source from the start, not from the cursor.")
@sandbox_options(
    f"Run against the systems' sandboxes (emulators with demo data), not their APIs; "
    f"state in ./{SANDBOX_STATE}, started afresh (a dry run continues), unless --state "
    "is given."
)
@state_option
@json_option
@click.pass_context
def run(
    ctx: click.Context,
    flow_files: tuple[Path, ...],
    dry_run: bool,
    limit: int | None,
    full: bool,
    sandbox: bool,
    seed: int | None,
    state_url: str | None,
    as_json: bool,
) -> None:
    """Sync each FLOW once, in the order given: fetch, map, create/update/skip, bind and
    log every record.

    A FLOW that cannot be loaded or run is reported and the others still run.
    Exits 1 when records failed (they are parked and retried in later runs), 2 when
    a flow could not run.
    """
    from koppel.cli import EXIT_CONFIG, EXIT_FAILED
    from koppel.errors import ConfigurationError, FatalError, KoppelError

    sandboxes, state_url = open_sandboxes(sandbox, seed, state_url, fresh=not dry_run)
    failed, broken, results = False, 0, []
    for number, flow_file in enumerate(flow_files):
        if number and not as_json:
            click.echo()
        try:
            flow = load(flow_file)
            result, failures = run_one(
                flow, state_url, sandboxes=sandboxes, dry_run=dry_run, limit=limit, full=full
            )
        except KoppelError as exc:  # any error a run lets out: the flow could not run
            if len(flow_files) == 1 and isinstance(exc, ConfigurationError | FatalError):
                raise
            broken += 1
            click.secho(f"error: {flow_file}: {exc}", fg="red", err=True)
            results.append({"file": str(flow_file), "error": str(exc)})
            continue
        if as_json:
            results.append(result_json(result, failures, flow_file))
        else:
            print_summary(result, failures)
        failed = failed or bool(result.counts["failed"])
    if sandboxes is not None:
        sandboxes.keep()
        if not as_json:
            click.echo(f"\nstate: {state_url} (see: koppel log --state {state_url})")
    if as_json:
        click.echo(json.dumps({"state": state_url, "flows": results}, indent=2))
    if broken:
        click.secho(f"{broken} of {len(flow_files)} flows could not run", fg="red", err=True)
        ctx.exit(EXIT_CONFIG)
    if failed:
        ctx.exit(EXIT_FAILED)


def open_sandboxes(
    sandbox: bool, seed: int | None, state_url: str | None, *, fresh: bool = False
) -> tuple[Sandboxes | None, str | None]:
    """The sandboxes of a ``--sandbox`` command and its state store (else None and
    ``state_url``).

    Without ``--state`` the store is ``./koppel-sandbox.sqlite3``: ``fresh`` deletes it
    (and the kept sandboxes) first; otherwise the sandboxes continue from what an
    earlier command kept beside the store, or start from their demo data.
    """
    if not sandbox:
        if seed is not None:
            raise click.UsageError("--seed goes with --sandbox")
        return None, state_url
    if state_url is None:
        state_url = fresh_state_file(Path(SANDBOX_STATE)) if fresh else SANDBOX_STATE
    kept = None if "://" in state_url or state_url == ":memory:" else Path(state_url + KEPT)
    return Sandboxes.kept(kept, seed=seed), state_url


def run_one(
    flow: Flow,
    state_url: str | None,
    *,
    sandboxes: Sandboxes | None = None,
    **options: Any,
) -> tuple[RunResult, list[RecordOutcome]]:
    """Run ``flow`` once with a progress line on standard error; its result and failures.

    :param sandboxes: run against these sandboxes instead of the real systems.
    :param options: ``dry_run``, ``limit``, ``full`` of :func:`koppel.engine.run_flow`.
    """
    from koppel.log import get_logger

    progress = Progress(sys.stderr)
    with opened_state(flow, state_url) as store, shared_api_budgets(store):
        try:
            result = run_flow_on(flow, store, sandboxes, observer=progress, **options)
        finally:
            progress.close()
    get_logger(flow=flow.name, entity=flow.entity).info(
        "run finished",
        run=result.run_id,
        dry_run=result.dry_run,
        fetched=result.fetched,
        elapsed=round(result.elapsed, 3),
        **{name: result.counts[name] for name in COUNT_NAMES},
    )
    return result, progress.failures


@contextlib.contextmanager
def shared_api_budgets(store: StateStore) -> Iterator[None]:
    """While the run lasts, on a PostgreSQL store, keep the API call budgets in it, shared
    with every worker and run on that store (:class:`koppel.http.SharedRateLimiter`)."""
    if store.dialect != "postgresql":
        yield
        return
    from koppel.http import SharedRateLimiter, default_rate_limiter, set_default_rate_limiter

    before = default_rate_limiter()
    set_default_rate_limiter(SharedRateLimiter(store))
    try:
        yield
    finally:
        set_default_rate_limiter(before)


def run_flow_on(
    flow: Flow, store: StateStore, sandboxes: Sandboxes | None, **options: Any
) -> RunResult:
    """Run ``flow`` once against ``sandboxes``, or the real systems when None; options as
    :func:`koppel.engine.run_flow`."""
    from koppel.engine import run_flow
    from koppel.errors import MappingError

    try:
        if sandboxes is not None:
            return sandboxes.run(flow, store, **options)
        return run_flow(flow, store, **options)
    except MappingError as exc:
        raise in_flow_file(exc, flow) from None


def fresh_state_file(path: Path) -> str:
    """Delete the SQLite file ``path`` and its side files; its path, to be created anew."""
    import shutil

    for suffix in ("", "-wal", "-shm", "-journal", "-tokens.lock", KEPT):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".locks"), ignore_errors=True)
    return str(path)


class Sandboxes:
    """The sandboxes of one ``--sandbox`` invocation: one per system, shared by its flows.

    A connection gets its system's sandbox (``sandbox_for(system, seed=)``) through
    :func:`koppel.sandbox.attach_sandbox`; a local system (``SystemInfo.local``: a
    folder, the state store) needs none and is used as it is. A sandbox with
    ``credentials`` (an API key it accepts) gives those to the connection instead
    of the flow's references. A sandbox with OAuth stands in for the flow's app
    too: the connection's ``client_id`` and ``client_secret`` are the sandbox's
    (the flow's credential references are not read), and its token is granted by
    the sandbox and kept in memory, so no ``KOPPEL_SECRET_KEY`` is needed.

    :param seed: the seed of the sandboxes' demo data.
    :param manager: the plugin manager (the process-wide one by default).
    :param clock: the time every sandbox, and the connections attached to them,
        run on (each sandbox's own, the real clock, by default); a
        :class:`koppel.testing.FakeClock` makes retries and rate limits take no time.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        manager: KoppelPluginManager | None = None,
        clock: Clock | None = None,
    ) -> None:
        from koppel.http import MemoryTokenStore
        from koppel.plugins import get_plugin_manager

        self.seed = seed
        self.clock = clock
        self.manager = manager or get_plugin_manager()
        self.boxes: dict[str, Sandbox] = {}
        self.tokens = MemoryTokenStore()
        #: Where :meth:`keep` writes the sandboxes' data, and what it read from there.
        self.kept_at: Path | None = None
        self.kept_data: dict[str, SandboxData] = {}

    @classmethod
    def kept(cls, path: Path | None, *, seed: int | None = None) -> Sandboxes:
        """Sandboxes that continue from the data kept at ``path`` (see :meth:`keep`),
        or start from the demo data of ``seed`` when nothing is kept there yet.

        :raises click.UsageError: when the kept sandboxes were made with another seed.
        """
        kept = read_kept(path) if path is not None else None
        if kept is None:
            sandboxes = cls(seed=seed or 0)
        else:
            if seed is not None and seed != kept.seed:
                raise click.UsageError(
                    f"the sandboxes kept in {path} were made with --seed {kept.seed}; "
                    f"start afresh with koppel run --sandbox --seed {seed}"
                )
            sandboxes = cls(seed=kept.seed)
            sandboxes.kept_data = dict(kept.systems)
        sandboxes.kept_at = path
        return sandboxes

    def keep(self) -> None:
        """Write what every sandbox holds now beside the state file, for the next command
        (nothing when there is no such file: a PostgreSQL or in-memory store)."""
        if self.kept_at is None:
            return
        systems = {**self.kept_data, **{n: SandboxData.of(b) for n, b in self.boxes.items()}}
        write_kept(self.kept_at, KeptSandboxes(seed=self.seed, systems=systems))

    def box(self, system: str) -> Sandbox:
        """The sandbox of ``system``, made on first use (with its kept data, if any)."""
        from koppel.sandbox import sandbox_for

        if system not in self.boxes:
            box = sandbox_for(system, seed=self.seed, pm=self.manager)
            if system in self.kept_data:
                self.kept_data[system].restore(box)
            if self.clock is not None:
                box.clock = self.clock
            self.boxes[system] = box
        return self.boxes[system]

    def prepare(self, flow: Flow) -> Flow:
        """``flow`` with the sandboxes' app and credentials in place of its own; build its
        connections with :meth:`attach` and :attr:`tokens`."""
        return attrs.evolve(
            flow, source=self._as_sandbox_app(flow.source), target=self._as_sandbox_app(flow.target)
        )

    def run(self, flow: Flow, store: StateStore, **options: Any) -> RunResult:
        """Run ``flow`` once against the sandboxes; options as :func:`koppel.engine.run_flow`."""
        from koppel.engine import run_flow

        return run_flow(
            self.prepare(flow),
            store,
            manager=self.manager,
            token_store=self.tokens,
            prepare_connection=self.attach,
            **options,
        )

    def attach(self, connection: Connection) -> None:
        """Point ``connection`` at its system's sandbox (transport, granted token)."""
        from koppel.sandbox import attach_sandbox

        if not self.is_local(connection.system):
            attach_sandbox(connection, self.box(connection.system))

    def is_local(self, system: str) -> bool:
        """Whether ``system`` works on local data only, so that it needs no sandbox."""
        try:
            return self.manager.system(system).local
        except PluginError:  # unknown: sandbox_for names the problem
            return False

    def _as_sandbox_app(self, config: ConnectionConfig) -> ConnectionConfig:
        if self.is_local(config.system):
            return config
        box = self.box(config.system)
        if box.credentials:
            return attrs.evolve(config, credentials={**config.credentials, **box.credentials})
        oauth = box.oauth
        if oauth is None:
            return config
        app = {"client_id": oauth.client_id, "client_secret": oauth.client_secret}
        settings = {**config.settings, **{k: v for k, v in app.items() if k in config.settings}}
        return attrs.evolve(config, settings=settings, credentials=app)


def print_summary(result: RunResult, failures: list[RecordOutcome]) -> None:
    """The counters of a run as a table, and the first failed records."""
    kind = "dry run" if result.dry_run else "run"
    click.echo(
        f"{result.flow}: {kind} {result.run_id}, {result.fetched} "
        f"record{'' if result.fetched == 1 else 's'} in {result.elapsed:.1f} s"
    )
    print_table(COUNT_NAMES, [[result.counts[name] for name in COUNT_NAMES]])
    failed, parked = result.counts["failed"], result.counts["parked"]
    if failed and not result.dry_run:
        records = "record" if failed == 1 else "records"
        click.echo(
            f"(parked now: {parked}, this run's {failed} failed {records} among them; "
            "later runs retry them: koppel parked list)"
        )
    changed = result.changed_after_booking
    if changed:
        click.secho(
            f"{len(changed)} record(s) changed after the target booked them; it takes no "
            f"updates, so they were skipped (koppel log --record ID): {_first(changed)}",
            fg="yellow",
        )
    if result.paused_until is not None:
        click.secho(
            f"paused: the day's API calls are spent; it goes on after "
            f"{result.paused_until:%Y-%m-%d %H:%M} UTC (no record failed)",
            fg="yellow",
        )
    gone = result.deleted_in_source
    if gone:
        click.secho(
            f"{len(gone)} record(s) deleted in the source stay in the target "
            f'(deletions = "report"): {_first(gone)}',
            fg="yellow",
        )
    for outcome in failures[:SHOWN_FAILURES]:
        label = record_label(outcome.source_id, outcome.source)
        click.secho(f"failed {label}: {outcome.message}", fg="red")
    if len(failures) > SHOWN_FAILURES:
        click.echo(f"... and {len(failures) - SHOWN_FAILURES} more (koppel log --failed)")


def result_json(
    result: RunResult, failures: list[RecordOutcome], flow_file: Path | None = None
) -> dict[str, Any]:
    """A run's result as plain data: what ``koppel run --json`` prints per flow."""
    return {
        "file": str(flow_file) if flow_file is not None else None,
        "flow": result.flow,
        "run": result.run_id,
        "dry_run": result.dry_run,
        "fetched": result.fetched,
        "elapsed": round(result.elapsed, 3),
        "counts": {name: result.counts[name] for name in COUNT_NAMES},
        "failures": [{"record": f.source_id, "message": f.message} for f in failures],
        "changed_after_booking": list(result.changed_after_booking),
        "deleted_in_source": list(result.deleted_in_source),
    }


def _first(ids: list[str]) -> str:
    """The first few of ``ids``, and "..." when there are more."""
    return ", ".join(ids[:SHOWN_FAILURES]) + (" ..." if len(ids) > SHOWN_FAILURES else "")


class Progress(RunObserver):
    """Counts a run's records; on a terminal, redraws one status line (fetched, done, rate)."""

    def __init__(self, stream: IO[str], *, interval: float = 0.1) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.interval = interval
        self.started = time.monotonic()
        self.shown = 0.0
        self.fetched_count = 0
        self.done = 0
        self.failures: list[RecordOutcome] = []

    def fetched(self, count: int) -> None:
        self.fetched_count += count
        self._show()

    def processed(self, outcome: RecordOutcome) -> None:
        self.done += 1
        if outcome.action == "fail":
            self.failures.append(outcome)
        self._show()

    def line(self) -> str:
        """The status line: fetched, processed, records per second, elapsed time."""
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        minutes, seconds = divmod(int(elapsed), 60)
        return (
            f"fetched {self.fetched_count}  processed {self.done}  "
            f"{rate:,.0f}/s  {minutes}:{seconds:02d}"
        )

    def _show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self.shown >= self.interval:
            self.shown = now
            self.stream.write("\r\x1b[K" + self.line())
            self.stream.flush()

    def close(self) -> None:
        """Clear the status line."""
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
