"""``koppel plan FLOW``: the dry run as a diff, per record and per field."""

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
    record_label,
    sandbox_options,
    state_option,
)
from koppel.engine._outcome import RecordOutcome, RunObserver

if TYPE_CHECKING:
    from koppel.state import StateStore

_MARKS = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "delete": ("-", "red"),
    "skip": ("=", None),
}


@click.command("plan")
@flow_argument()
@click.option("--limit", type=click.IntRange(min=1), help="Plan at most N records.")
@click.option("--full", is_flag=True, help="Read the source from the start, not from the cursor.")
@click.option("--all", "show_all", is_flag=True, help="List unchanged records too.")
@sandbox_options(
    "Plan against the systems' sandboxes, as kept by the last --sandbox command "
    "(state in ./koppel-sandbox.sqlite3 unless --state is given)."
)
@state_option
def plan(
    flow_file: Path,
    limit: int | None,
    full: bool,
    show_all: bool,
    sandbox: bool,
    seed: int | None,
    state_url: str | None,
) -> None:
    """Show what a run of FLOW would create, change or skip, field by field.

    Writes nothing: not to the target, nor to bindings, cursors or parked records.
    """
    from koppel.cli.run import open_sandboxes, run_flow_on

    flow = load(flow_file)
    sandboxes, state_url = open_sandboxes(sandbox, seed, state_url)
    with opened_state(flow, state_url) as store:
        printer = PlanPrinter(store, flow.name, show_all=show_all)
        result = run_flow_on(
            flow, store, sandboxes, dry_run=True, limit=limit, full=full, observer=printer
        )
    counts = result.counts
    click.echo(
        f"plan: {counts['created']} to create, {counts['updated']} to update, "
        f"{counts['deleted']} to delete, {counts['skipped']} unchanged, "
        f"{counts['failed']} failing"
    )


class PlanPrinter(RunObserver):
    """Prints each record's planned action and its field changes as they come."""

    def __init__(self, store: StateStore, flow: str, *, show_all: bool = False) -> None:
        self.store = store
        self.flow = flow
        self.show_all = show_all

    def processed(self, outcome: RecordOutcome) -> None:
        action = str(outcome.action)
        if action == "fail":
            label = record_label(outcome.source_id, outcome.source)
            click.secho(f"! fail {label}: {outcome.message}", fg="red")
            return
        if action == "skip":
            if self.show_all:
                click.echo(f"= skip {outcome.source_id}: {outcome.message}")
            return
        mark, colour = _MARKS[action]
        where = f" -> {outcome.target_id}" if action in ("update", "delete") else ""
        click.secho(f"{mark} {action} {outcome.source_id}{where}", fg=colour)
        before = outcome.existing
        if action == "update" and before is None:
            before = self._last_sent(outcome.source_id)
        for line in field_diff(before, outcome.payload or {}):
            click.echo(f"    {line}")

    def _last_sent(self, record_id: str) -> Mapping[str, Any] | None:
        entries = self.store.activity(record_id=record_id, flow=self.flow, limit=50)
        sent = [entry.sent for entry in entries if entry.sent is not None]
        return sent[-1] if sent else None


def field_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Lines per field that changes (dotted paths): ``+ new: value``, ``~ field: old -> new``.

    Fields the target has but the payload leaves alone are not shown; with
    ``before`` unknown, every field of ``after`` is shown as it will be written.
    """
    old = _flatten(before or {})
    new = _flatten(after)
    lines: list[str] = []
    for path, value in new.items():
        if before is None:
            lines.append(f"  {path}: {_show(value)}")
        elif path not in old:
            lines.append(f"+ {path}: {_show(value)}")
        elif old[path] != value:
            lines.append(f"~ {path}: {_show(old[path])} -> {_show(value)}")
    return lines


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
