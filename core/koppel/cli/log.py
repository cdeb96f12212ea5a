"""``koppel log``: what happened to each record, per run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from koppel.cli._flowing import flow_argument, load, opened_state, print_table, state_option


@click.command("log")
@flow_argument(required=False)
@click.option("--run", "run_id", type=int, help="Only this run.")
@click.option("--failed", is_flag=True, help="Only records that failed.")
@click.option("--record", "record_id", help="Only this source record.")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines with source, sent and answer.")
@state_option
def log(
    flow_file: Path | None,
    run_id: int | None,
    failed: bool,
    record_id: str | None,
    limit: int,
    as_json: bool,
    state_url: str | None,
) -> None:
    """Show the activity log of FLOW (or of every flow): per record and run, the action,
    the message and, with --json, what came from the source, what was sent and the answer.
    """
    flow = load(flow_file) if flow_file else None
    with opened_state(flow, state_url) as store:
        entries = store.activity(
            run_id,
            failed_only=failed,
            record_id=record_id,
            flow=flow.name if flow else None,
            limit=limit,
        )
    if as_json:
        for entry in entries:
            click.echo(
                json.dumps(
                    {
                        "id": entry.id,
                        "run": entry.run_id,
                        "flow": entry.flow,
                        "entity": entry.entity,
                        "record": entry.record_id,
                        "action": entry.action,
                        "message": entry.message,
                        "source": entry.source,
                        "sent": entry.sent,
                        "response": entry.response,
                        "at": entry.created_at.isoformat(),
                    },
                    default=str,
                )
            )
        return
    if not entries:
        click.echo("no activity")
        return
    print_table(
        ("at", "run", "flow", "entity", "record", "action", "message"),
        [
            (
                e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                e.run_id if e.run_id is not None else "-",
                e.flow,
                e.entity,
                e.record_id or "-",
                e.action,
                e.message or "",
            )
            for e in entries
        ],
    )
