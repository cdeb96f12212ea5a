"""``koppel status``: every flow with its last run, next run, where it runs, parked records
and alerts; ``--notify`` sends the alerts that are due (for set-ups without a worker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from koppel.cli._flowing import opened_state, print_table, state_option

if TYPE_CHECKING:
    from koppel.flows import Flow
    from koppel.state import StateStore


@click.command("status")
@click.option(
    "--flows",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of flow files: shows their schedules, and flows that never ran.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per flow and line.")
@click.option(
    "--notify",
    is_flag=True,
    help="Send the alerts that are due (new and resolved problems) before showing.",
)
@click.option(
    "--alerts",
    "alerts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The alerts file (default: $KOPPEL_ALERTS).",
)
@state_option
def status(
    folder: Path | None,
    as_json: bool,
    notify: bool,
    alerts_file: Path | None,
    state_url: str | None,
) -> None:
    """Show every flow of the state store (and of --flows): last run, next scheduled run,
    running now (where), parked records and open alerts."""
    flows: dict[str, Flow] = {}
    if folder is not None:
        from koppel.worker._flows import load_flows

        flows = load_flows(folder)
    with opened_state(None, state_url) as store:
        names = sorted(set(flows) | set(store.known_flows()))
        if notify:
            from koppel.alerts import check_flow, load_alerts

            config = load_alerts(alerts_file)
            for name in names:
                check_flow(store, name, config)
        rows = [flow_status(store, name, flows.get(name)) for name in names]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    headers = ("flow", "last run", "result", "counts", "next run", "running", "parked", "alerts")
    print_table(headers, [_cells(row) for row in rows])


def flow_status(store: StateStore, name: str, flow: Flow | None) -> dict[str, Any]:
    """What ``koppel status`` shows of one flow, as plain data."""
    from koppel.flows import next_runs

    runs = [run for run in store.runs(name, limit=20) if not run.dry_run]
    finished = next((run for run in runs if run.status != "running"), None)
    pause = store.pause(name)
    now = datetime.now(UTC)
    if pause is not None and pause.resume_at > now:
        upcoming: datetime | None = pause.resume_at
    else:
        upcoming = next(iter(next_runs(flow, now)), None) if flow is not None else None
    return {
        "flow": name,
        "last_run": None
        if finished is None
        else {
            "id": finished.id,
            "started_at": finished.started_at,
            "finished_at": finished.finished_at,
            "status": finished.status,
            "counts": dict(finished.counts),
            "message": finished.message,
        },
        "next_run": upcoming,
        "paused_until": pause.resume_at if pause is not None else None,
        "running": [
            {"run": run.id, "since": run.started_at, "pid": run.pid, "host": run.host}
            for run in runs
            if run.status == "running"
        ],
        "parked": len(store.parked(name)),
        "alerts": [
            {"key": alert.key, "message": alert.message, "since": alert.opened_at}
            for alert in store.open_alerts(name)
        ],
    }


def _cells(row: dict[str, Any]) -> list[str]:
    last = row["last_run"]
    counts = ""
    if last is not None:
        counts = " ".join(f"{k}={v}" for k, v in last["counts"].items() if v)
    return [
        row["flow"],
        _when(last["finished_at"] or last["started_at"]) if last else "never",
        _result(last),
        counts,
        _when(row["next_run"]) if row["next_run"] else "",
        ", ".join(f"pid {r['pid']} on {r['host']}" for r in row["running"]),
        str(row["parked"]),
        f"{len(row['alerts'])} open" if row["alerts"] else "",
    ]


def _result(last: dict[str, Any] | None) -> str:
    """The last run's status, with why it did not end well (a stopped run has no counts)."""
    if last is None:
        return ""
    if last["status"] == "ok" or not last["message"]:
        return str(last["status"])
    return f"{last['status']}: {last['message']}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
