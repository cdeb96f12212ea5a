"""``koppel plugins``: what is installed, what each system can do, what is broken."""

from __future__ import annotations

import json as jsonlib
from typing import Any

import click


@click.group("plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins and the systems they add (``show SYSTEM``: one in full).

    Broken plugins are listed with their error; they do not stop koppel.
    """
    if ctx.invoked_subcommand is not None:
        return
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


@plugins.command("show")
@click.argument("system")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def show(system: str, as_json: bool) -> None:
    """Show SYSTEM: its entities, the filters each reads by, and every setting with
    type, default and description."""
    from koppel.plugins import get_plugin_manager

    info = get_plugin_manager().system(system)
    settings: list[dict[str, Any]] = [
        {
            "name": s.name,
            "type": s.type,
            "required": s.required,
            "default": s.default,
            "choices": list(s.choices) if s.choices else None,
            "secret": s.secret,
            "env": s.env,
            "description": s.description,
        }
        for s in info.settings
    ]
    entities: list[dict[str, Any]] = [
        {
            "name": e.name,
            "read": e.read,
            "write": e.write,
            "match_keys": list(e.match_keys),
            "update": e.update,
            "description": e.description,
            "filters": None if e.filters is None else dict(e.filters),
        }
        for e in info.entities
    ]
    if as_json:
        document = {"system": info.name, "title": info.title, "description": info.description}
        click.echo(
            jsonlib.dumps(
                {**document, "entities": entities, "settings": settings}, indent=2, default=str
            )
        )
        return
    from koppel.cli._flowing import print_table

    click.echo(
        f"{info.title} ({info.name})" + (f": {info.description}" if info.description else "")
    )
    click.echo("\nentities")
    print_table(
        ("entity", "reads", "writes", "match keys", "description"),
        [
            (
                e["name"],
                _yes(e["read"]),
                _yes(e["write"]),
                ", ".join(e["match_keys"]) or "-",
                e["description"],
            )
            for e in entities
        ],
    )
    declared = [e for e in entities if e["filters"] is not None]
    filters = [(e["name"], key, text) for e in declared for key, text in e["filters"].items()]
    if filters:
        click.echo("\nfilters (a flow's [filters]; others are refused, except status of orders)")
        print_table(("entity", "filter", "description"), filters)
    elif declared:
        click.echo("\nfilters: none (a flow's [filters] is refused, except status of orders)")
    click.echo("\nsettings (credentials go in the flow's [connections.NAME.credentials])")
    print_table(
        ("setting", "type", "default", "description"),
        [
            (
                s["name"] + (" (credential)" if s["secret"] else ""),
                s["type"] + (f": {' | '.join(s['choices'])}" if s["choices"] else ""),
                "required"
                if s["required"]
                else ("-" if s["default"] is None else str(s["default"])),
                s["description"] + (f" (e.g. env:{s['env']})" if s["env"] else ""),
            )
            for s in settings
        ],
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "-"
