"""``koppel run FLOW``: sync a flow once, with progress on a terminal and a summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from koppel.cli._flowing import flow_argument, load, opened_state, print_table, state_option
from koppel.engine._outcome import COUNT_NAMES, RecordOutcome, RunObserver

if TYPE_CHECKING:
    from koppel.engine import RunResult

#: Failed records listed under the summary, at most.
SHOWN_FAILURES = 20


@click.command("run")
@flow_argument()
@click.option("--dry-run", is_flag=True, help="Do everything except writing: nothing changes.")
@click.option("--limit", type=click.IntRange(min=1), help="Process at most N records.")
@click.option("--full", is_flag=True, help="Read the source from the start, not from the cursor.")
@state_option
@click.pass_context
def run(
    ctx: click.Context,
    flow_file: Path,
    dry_run: bool,
    limit: int | None,
    full: bool,
    state_url: str | None,
) -> None:
    """Sync FLOW once: fetch, map, create/update/skip, bind and log every record.

    Exits 1 when records failed (they are parked and retried in later runs).
    """
    from koppel.cli import EXIT_FAILED
    from koppel.engine import run_flow

    flow = load(flow_file)
    progress = Progress(sys.stderr)
    with opened_state(flow, state_url) as store:
        try:
            result = run_flow(
                flow, store, dry_run=dry_run, limit=limit, full=full, observer=progress
            )
        finally:
            progress.close()
    print_summary(result, progress.failures)
    if result.counts["failed"]:
        ctx.exit(EXIT_FAILED)


def print_summary(result: RunResult, failures: list[RecordOutcome]) -> None:
    """The counters of a run as a table, and the first failed records."""
    kind = "dry run" if result.dry_run else "run"
    click.echo(
        f"{result.flow}: {kind} {result.run_id}, {result.fetched} records in {result.elapsed:.1f} s"
    )
    print_table(COUNT_NAMES, [[result.counts[name] for name in COUNT_NAMES]])
    for outcome in failures[:SHOWN_FAILURES]:
        click.secho(f"failed {outcome.source_id}: {outcome.message}", fg="red")
    if len(failures) > SHOWN_FAILURES:
        click.echo(f"... and {len(failures) - SHOWN_FAILURES} more (koppel log --failed)")


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
