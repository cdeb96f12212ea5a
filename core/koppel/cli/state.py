"""``koppel state show|reset FLOW``: a flow's cursor, bindings, parked records and runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from koppel.cli._flowing import (
    flow_argument,
    json_option,
    load,
    opened_state,
    print_table,
    state_option,
)


@click.group("state")
def state() -> None:
    """Show or reset what the state store keeps for a flow."""


@state.command("show")
@flow_argument()
@state_option
@json_option
def show(flow_file: Path, state_url: str | None, as_json: bool) -> None:
    """Show FLOW's cursor, bindings, parked records and last runs."""
    flow = load(flow_file)
    with opened_state(flow, state_url) as store:
        shown: dict[str, Any] = {
            "flow": flow.name,
            "source": flow.source.name,
            "target": flow.target.name,
            "entity": flow.entity,
            "state": store.url,
            "cursor": store.cursors(flow.name).get(flow.entity),
            "bindings": store.count_bindings(flow.source.name, flow.target.name, flow.entity),
            "parked": len(store.parked(flow.name)),
            "runs": [
                {
                    "run": r.id,
                    "started_at": r.started_at.isoformat(),
                    "status": r.status,
                    "dry_run": r.dry_run,
                    "counts": dict(r.counts),
                    "pid": r.pid,
                    "host": r.host,
                    "message": r.message,
                }
                for r in store.runs(flow.name, limit=5)
            ],
        }
    if as_json:
        click.echo(json.dumps(shown, indent=2, default=str))
        return
    click.echo(f"flow     {flow.name} ({flow.source.name} -> {flow.target.name}, {flow.entity})")
    click.echo(f"state    {shown['state']}")
    click.echo(f"cursor   {shown['cursor'] or '(none: the next run reads everything)'}")
    click.echo(f"bindings {shown['bindings']}")
    click.echo(f"parked   {shown['parked']}")
    if shown["runs"]:
        click.echo("")
        print_table(
            ("run", "started", "status", "dry run", "counts", "process", "why it stopped"),
            [
                (
                    r["run"],
                    r["started_at"][:19].replace("T", " "),
                    r["status"],
                    "yes" if r["dry_run"] else "no",
                    ", ".join(f"{k} {v}" for k, v in r["counts"].items() if v),
                    f"{r['pid']} on {r['host']}" if r["pid"] else "",
                    _short(r["message"]),
                )
                for r in shown["runs"]
            ],
        )


def _short(message: str | None, width: int = 60) -> str:
    if not message:
        return ""
    line = message.splitlines()[0]
    return line if len(line) <= width else line[: width - 3] + "..."


@state.command("reset")
@flow_argument()
@click.option("--bindings", is_flag=True, help="Forget the bindings too (match keys decide again).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@state_option
def reset(flow_file: Path, bindings: bool, yes: bool, state_url: str | None) -> None:
    """Forget FLOW's cursor and parked records (and, with --bindings, its bindings).

    The next run reads the whole source again; bound records that did not
    change are skipped, so this costs reads, not writes.
    """
    flow = load(flow_file)
    what = "cursor, parked records" + (" and bindings" if bindings else "")
    if not yes:
        click.confirm(f"Forget the {what} of flow {flow.name}?", abort=True)
    scope = (flow.source.name, flow.target.name, flow.entity) if bindings else None
    with opened_state(flow, state_url) as store:
        store.reset_flow(flow.name, bindings=scope)
    click.echo(f"forgot the {what} of flow {flow.name}")
