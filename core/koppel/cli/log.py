"""``koppel log``: what happened to each record, per run: what came in, what went out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from koppel.cli._flowing import (
    flow_argument,
    load,
    opened_state,
    print_table,
    record_label,
    state_option,
)

if TYPE_CHECKING:
    from koppel.state import ActivityEntry

#: How much of a record the table shows: this many scalar fields, each this long.
_SUMMARY_FIELDS = 4
_SUMMARY_VALUE = 24
#: ``--record NUMBER`` looks for the number through this many of the newest entries.
_NUMBER_SEARCH = 5000


@click.command("log")
@flow_argument(required=False)
@click.option("--run", "run_id", type=int, help="Only this run.")
@click.option("--failed", is_flag=True, help="Only records that failed.")
@click.option(
    "--record",
    "record_id",
    help="Only this source record: its id, or the number the table shows before '/'.",
)
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option(
    "--details", is_flag=True, help="Per record, the whole source record, payload and answer."
)
@click.option("--json", "as_json", is_flag=True, help="JSON lines with source, sent and answer.")
@state_option
def log(
    flow_file: Path | None,
    run_id: int | None,
    failed: bool,
    record_id: str | None,
    limit: int,
    details: bool,
    as_json: bool,
    state_url: str | None,
) -> None:
    """Show the activity log of FLOW (or of every flow): per record and run, the action,
    what came from the source (in), what was sent to the target (out) and the message.

    The table shows the first fields of each; --details prints them whole, --json
    as JSON lines. Secrets are redacted before anything is stored.
    """
    flow = load(flow_file) if flow_file else None
    name = flow.name if flow else None
    with opened_state(flow, state_url) as store:
        entries = store.activity(
            run_id, failed_only=failed, record_id=record_id, flow=name, limit=limit
        )
        if record_id and not entries:  # the number of a record with a long id (1036/9f17…)
            recent = store.activity(run_id, failed_only=failed, flow=name, limit=_NUMBER_SEARCH)
            entries = [e for e in recent if _numbered(e, record_id)][:limit]
    if as_json:
        for entry in entries:
            click.echo(json.dumps(_as_dict(entry), default=str))
    elif not entries:
        click.echo("no activity")
    elif details:
        for entry in entries:
            _print_details(entry)
    else:
        print_table(
            ("at", "run", "flow", "entity", "record", "action", "in", "out", "message"),
            [
                (
                    e.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.run_id if e.run_id is not None else "-",
                    e.flow,
                    e.entity,
                    record_label(e.record_id, e.source),
                    e.action,
                    summarise(e.source, leave_out=e.record_id),
                    summarise(e.sent),
                    e.message or "",
                )
                for e in entries
            ],
            shrink=("flow", "in", "out", "message"),
        )


def summarise(data: Mapping[str, Any] | None, *, leave_out: str | None = None) -> str:
    """The first few scalar fields of a record as ``key=value``, or ``-``; a field whose
    value is ``leave_out`` (the record's id, shown beside it) is left out."""
    if not data:
        return "-"
    parts = []
    for key, value in data.items():
        if isinstance(value, Mapping | list | tuple) or value in (None, "", leave_out):
            continue
        text = str(value)
        if len(text) > _SUMMARY_VALUE:
            text = text[: _SUMMARY_VALUE - 1] + "…"
        parts.append(f"{key}={text}")
        if len(parts) == _SUMMARY_FIELDS:
            break
    return " ".join(parts) or "{…}"


def _numbered(entry: ActivityEntry, number: str) -> bool:
    """Whether the table names ``entry`` by ``number`` (``1036/9f17cf65…``)."""
    label = record_label(entry.record_id, entry.source)
    return label != entry.record_id and label.partition("/")[0] == number


def _as_dict(entry: ActivityEntry) -> dict[str, Any]:
    return {
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
    }


def _print_details(entry: ActivityEntry) -> None:
    run = f"run {entry.run_id}" if entry.run_id is not None else "no run"
    click.secho(
        f"{entry.created_at:%Y-%m-%d %H:%M:%S}  {run}  {entry.flow}  {entry.entity} "
        f"{entry.record_id or '-'}  {entry.action}",
        bold=True,
    )
    if entry.message:
        click.echo(f"  message: {entry.message}")
    for label, data in (("in", entry.source), ("out", entry.sent), ("answer", entry.response)):
        if data:
            body = json.dumps(data, indent=2, default=str, ensure_ascii=False)
            click.echo(f"  {label}:")
            click.echo("\n".join(f"    {line}" for line in body.splitlines()))
    click.echo()
