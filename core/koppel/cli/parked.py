"""``koppel parked list|retry|discard``: the records that failed and wait for a retry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from koppel.cli._flowing import (
    flow_argument,
    load,
    opened_state,
    print_table,
    sandbox_options,
    state_option,
)


@click.group("parked")
def parked() -> None:
    """List, retry or discard parked records (records that failed and wait for a retry)."""


@parked.command("list")
@flow_argument(required=False)
@state_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def list_parked(flow_file: Path | None, state_url: str | None, as_json: bool) -> None:
    """List the parked records of FLOW (or of every flow in the state store)."""
    flow = load(flow_file) if flow_file else None
    with opened_state(flow, state_url) as store:
        records = store.parked(flow.name if flow else None)
    if as_json:
        for record in records:
            click.echo(
                json.dumps(
                    {
                        "id": record.id,
                        "flow": record.flow,
                        "entity": record.entity,
                        "record": record.source_id,
                        "attempts": record.attempts,
                        "next_attempt_at": record.next_attempt_at.isoformat(),
                        "error": record.error,
                        "message": record.message,
                    }
                )
            )
        return
    if not records:
        click.echo("no parked records")
        return
    print_table(
        ("id", "flow", "entity", "record", "attempts", "next attempt", "message"),
        [
            (
                r.id,
                r.flow,
                r.entity,
                r.source_id,
                r.attempts,
                r.next_attempt_at.strftime("%Y-%m-%d %H:%M"),
                r.message,
            )
            for r in records
        ],
    )


@parked.command("retry")
@flow_argument()
@click.argument("ids", nargs=-1, type=int)
@state_option
@click.option("--no-run", is_flag=True, help="Only make them due; the next run retries them.")
@sandbox_options(
    "Retry against the systems' sandboxes, as kept by the last --sandbox command "
    "(state in ./koppel-sandbox.sqlite3 unless --state is given); keeps them afterwards."
)
@click.pass_context
def retry(
    ctx: click.Context,
    flow_file: Path,
    ids: tuple[int, ...],
    state_url: str | None,
    no_run: bool,
    sandbox: bool,
    seed: int | None,
) -> None:
    """Retry the parked records of FLOW now (all, or those IDS), then run the flow.

    The run also reads what changed in the source, so a record fixed there
    lands with its fixed data, once.
    """
    from koppel.cli import EXIT_FAILED
    from koppel.cli.run import Progress, open_sandboxes, print_summary, run_flow_on

    flow = load(flow_file)
    sandboxes, state_url = open_sandboxes(sandbox, seed, state_url)
    with opened_state(flow, state_url) as store:
        due = store.mark_due(list(ids) or None, flow=flow.name)
        click.echo(f"{due} parked record(s) of {flow.name} due now")
        if no_run:
            return
        progress = Progress(sys.stderr)
        try:
            result = run_flow_on(flow, store, sandboxes, observer=progress)
        finally:
            progress.close()
    if sandboxes is not None:
        sandboxes.keep()
    print_summary(result, progress.failures)
    if result.counts["failed"]:
        ctx.exit(EXIT_FAILED)


@parked.command("discard")
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The flow whose state store holds them.",
)
@state_option
def discard(ids: tuple[int, ...], flow_file: Path | None, state_url: str | None) -> None:
    """Give up on parked records IDS; the activity log keeps a "discard" entry."""
    flow = load(flow_file) if flow_file else None
    with opened_state(flow, state_url) as store:
        for parked_id in ids:
            store.discard(parked_id)
            click.echo(f"discarded parked record {parked_id}")
