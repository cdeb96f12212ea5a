"""``koppel plugins``: what is installed, what each system can do, what is broken."""

from __future__ import annotations

import json as jsonlib
from typing import Any

import click


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List installed plugins and the systems they add.

    Broken plugins are listed with their error; they do not stop koppel.
    """
    from koppel.plugins import get_plugin_manager

    manager = get_plugin_manager()
    rows = [_describe(manager, loaded) for loaded in manager.loaded.values()]
    broken = [
        {"name": b.name, "distribution": b.distribution, "version": b.version, "error": b.error}
        for b in manager.broken
    ]
    if as_json:
        click.echo(jsonlib.dumps({"plugins": rows, "broken": broken}, indent=2))
        return
    _print_table(rows)
    for item in broken:
        click.secho(f"broken: {item['name']} ({item['distribution']}): {item['error']}", fg="red")


def _describe(manager: Any, loaded: Any) -> dict[str, Any]:
    from koppel.errors import KoppelError
    from koppel.sync import Connection

    system = loaded.system
    order_types: list[str] = []
    if system is not None:
        try:
            answer = manager.hooks_for(system.name).supports_order_types(
                connection=Connection(name=system.name, system=system.name)
            )
            order_types = [str(t) for t in answer or ()]
        except KoppelError:
            order_types = []
    return {
        "name": loaded.name,
        "distribution": loaded.distribution,
        "version": loaded.version,
        "builtin": loaded.builtin,
        "system": system.name if system else None,
        "title": system.title if system else None,
        "reads": list(system.readable) if system else [],
        "writes": list(system.writable) if system else [],
        "order_types": order_types,
        "hooks": manager.hook_names(loaded.plugin),
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    headers = ("name", "version", "reads", "writes", "order types", "hooks")
    table = [
        (
            row["name"] + (" (built-in)" if row["builtin"] else ""),
            row["version"] or "-",
            ", ".join(row["reads"]) or "-",
            ", ".join(row["writes"]) or "-",
            ", ".join(row["order_types"]) or "-",
            ", ".join(row["hooks"]),
        )
        for row in rows
    ]
    if not table:
        click.echo("no plugins installed")
        return
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
