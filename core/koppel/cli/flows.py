"""``koppel flows``: the flows of the project (``koppel.toml``), with their systems,
entity and schedule."""

from __future__ import annotations

import json
from typing import Any

import click

from koppel.cli._flowing import json_option, print_table
from koppel.cli._project import find_project


@click.command("flows")
@json_option
def flows(as_json: bool) -> None:
    """List the flows of the project whose koppel.toml is in this folder or a parent.

    A flow file that cannot be loaded is listed with its error (exit 2).
    """
    from koppel.cli import EXIT_CONFIG
    from koppel.errors import ConfigurationError, KoppelError
    from koppel.flows import load_flow

    project = find_project()
    if project is None:
        raise ConfigurationError(
            "no koppel.toml in this folder or a parent; name flow files instead"
        )
    rows: list[dict[str, Any]] = []
    for path in project.flow_files():
        try:
            flow = load_flow(path)
        except KoppelError as exc:
            rows.append({"name": path.stem, "file": str(path), "error": str(exc)})
            continue
        rows.append(
            {
                "name": flow.name,
                "file": str(path),
                "source": flow.source.system,
                "target": flow.target.system,
                "entity": flow.entity,
                "schedule": flow.schedule.cron if flow.schedule else None,
                "error": None,
            }
        )
    if as_json:
        click.echo(json.dumps({"project": str(project.file), "flows": rows}, indent=2))
    elif not rows:
        click.echo(f"no flow files in {project.flows}")
    else:
        print_table(
            ("flow", "systems", "entity", "schedule", "file"),
            [
                (
                    row["name"],
                    f"{row['source']} -> {row['target']}" if not row["error"] else "-",
                    row.get("entity") or "-",
                    row.get("schedule") or ("by hand" if not row["error"] else "-"),
                    row["file"] if not row["error"] else f"{row['file']}: {row['error']}",
                )
                for row in rows
            ],
            shrink=("file",),
        )
    if any(row["error"] for row in rows):
        click.get_current_context().exit(EXIT_CONFIG)
