"""``koppel run FLOW [FLOW ...]``: sync flows once, with progress on a terminal and a summary.

``--sandbox`` runs them against the systems' emulators (:class:`Sandboxes`) instead
of the real APIs: one sandbox per system for the whole invocation, so a products
flow, a stock flow and an orders flow see the same two emulated systems.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import click

from koppel.cli._flowing import flow_argument, load, opened_state, print_table, state_option
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

#: The state file of a ``--sandbox`` run without ``--state`` (in the current folder).
#: Every such run starts it afresh: sandboxes start from their demo data each time,
#: so bindings of an earlier run would point at records that no longer exist.
SANDBOX_STATE = "koppel-sandbox.sqlite3"


@click.command("run")
@flow_argument(several=True)
@click.option("--dry-run", is_flag=True, help="Do everything except writing: nothing changes.")
@click.option("--limit", type=click.IntRange(min=1), help="Process at most N records per flow.")
@click.option("--full", is_flag=True, help="Read the source from the start, not from the cursor.")
@click.option(
    "--sandbox",
    is_flag=True,
    help=f"Run against the systems' sandboxes (emulators with demo data), not their APIs; "
    f"state in ./{SANDBOX_STATE}, started afresh, unless --state is given.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="With --sandbox: the demo data's seed."
)
@state_option
@click.pass_context
def run(
    ctx: click.Context,
    flow_files: tuple[Path, ...],
    dry_run: bool,
    limit: int | None,
    full: bool,
    sandbox: bool,
    seed: int,
    state_url: str | None,
) -> None:
    """Sync each FLOW once, in the order given: fetch, map, create/update/skip, bind and
    log every record.

    Exits 1 when records failed (they are parked and retried in later runs).
    """
    from koppel.cli import EXIT_FAILED

    flows = [load(path) for path in flow_files]  # every file is checked before anything runs
    sandboxes = Sandboxes(seed=seed) if sandbox else None
    if sandboxes is not None and state_url is None:
        state_url = fresh_state_file(Path(SANDBOX_STATE))
    failed = False
    for number, flow in enumerate(flows):
        if number:
            click.echo()
        result, failures = run_one(
            flow, state_url, sandboxes=sandboxes, dry_run=dry_run, limit=limit, full=full
        )
        print_summary(result, failures)
        failed = failed or bool(result.counts["failed"])
    if sandboxes is not None:
        click.echo(f"\nstate: {state_url} (see: koppel log --state {state_url})")
    if failed:
        ctx.exit(EXIT_FAILED)


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
    from koppel.engine import run_flow

    progress = Progress(sys.stderr)
    with opened_state(flow, state_url) as store:
        try:
            if sandboxes is not None:
                result = sandboxes.run(flow, store, observer=progress, **options)
            else:
                result = run_flow(flow, store, observer=progress, **options)
        finally:
            progress.close()
    return result, progress.failures


def fresh_state_file(path: Path) -> str:
    """Delete the SQLite file ``path`` and its side files; its path, to be created anew."""
    import shutil

    for suffix in ("", "-wal", "-shm", "-journal", "-tokens.lock"):
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

    def box(self, system: str) -> Sandbox:
        """The sandbox of ``system``, made on first use."""
        from koppel.sandbox import sandbox_for

        if system not in self.boxes:
            box = sandbox_for(system, seed=self.seed, pm=self.manager)
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
        f"{result.flow}: {kind} {result.run_id}, {result.fetched} records in {result.elapsed:.1f} s"
    )
    print_table(COUNT_NAMES, [[result.counts[name] for name in COUNT_NAMES]])
    changed = result.changed_after_booking
    if changed:
        click.secho(
            f"{len(changed)} record(s) changed after the target booked them; it takes no "
            f"updates, so they were skipped (koppel log --record ID): {_first(changed)}",
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
        click.secho(f"failed {outcome.source_id}: {outcome.message}", fg="red")
    if len(failures) > SHOWN_FAILURES:
        click.echo(f"... and {len(failures) - SHOWN_FAILURES} more (koppel log --failed)")


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
