"""``koppel init [FOLDER]``: start a project: ``koppel.toml``, a flow per pair of installed
systems, a ``.env`` template for their credentials and a ``.gitignore`` for the state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from koppel.cli._project import PROJECT_FILE

if TYPE_CHECKING:
    from koppel.system import Setting, SystemInfo

#: The entity a pair's example flow syncs: the first both systems can (read, write).
PREFERRED = ("orders", "invoices", "customers", "products", "stock", "commitments", "relations")
#: What a required setting without a default is set to in an example flow.
FILL_IN = "CHANGE-ME"

PROJECT = """\
# A koppel project: flows in flows/, run by name from anywhere in this folder.
[project]
flows = "flows"
state = "state.sqlite3"
"""

GITIGNORE = """\
# koppel's state stores hold tokens and personal data; .env holds credentials.
*.sqlite3
*.sqlite3-*
*.sqlite3.*
.env
"""


@click.command("init")
@click.argument(
    "folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--flows-from",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Copy the flow files (*.toml) of this folder instead of writing examples "
    "(e.g. the repository's examples/).",
)
def init(folder: Path, flows_from: Path | None) -> None:
    """Start a koppel project in FOLDER (default: here): koppel.toml, flows/ with an
    example flow per pair of installed systems, .env with their credentials' variables,
    and .gitignore for the state. Files that exist are left as they are."""
    from koppel.errors import ConfigurationError
    from koppel.plugins import get_plugin_manager

    if (folder / PROJECT_FILE).exists():
        raise ConfigurationError(f"{folder / PROJECT_FILE} exists: this is a project already")
    systems = [s for s in get_plugin_manager().systems.values() if not s.local]
    files = {PROJECT_FILE: PROJECT, ".gitignore": GITIGNORE, ".env": env_template(systems)}
    if flows_from is not None:
        for path in sorted(flows_from.glob("*.toml")):
            files[f"flows/{path.name}"] = path.read_text(encoding="utf-8")
    else:
        for name, (source, target, entity) in example_pairs(systems).items():
            files[f"flows/{name}.toml"] = example_flow(name, source, target, entity)
    for name, text in files.items():
        path = folder / name
        if path.exists():
            click.echo(f"kept     {path}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        click.echo(f"created  {path}")
    click.echo(
        "Next: koppel flows; try one on the sandboxes: koppel run --sandbox NAME (its "
        "CHANGE-ME settings set to the sandbox's values, e.g. AccountView's company DEMO); "
        "for the real systems fill in .env and the CHANGE-ME settings, then koppel check NAME."
    )


def example_pairs(systems: list[SystemInfo]) -> dict[str, tuple[SystemInfo, SystemInfo, str]]:
    """Flow name -> (source, target, entity), for every two systems that share an entity."""
    pairs = {}
    for source in sorted(systems, key=lambda s: s.name):
        for target in sorted(systems, key=lambda s: s.name):
            shared = set(source.readable) & set(target.writable)
            if source is target or not shared:
                continue
            entity = next((e for e in PREFERRED if e in shared), min(shared))
            pairs[f"{source.name}-{entity}-to-{target.name}"] = (source, target, entity)
    return pairs


def example_flow(name: str, source: SystemInfo, target: SystemInfo, entity: str) -> str:
    """An example flow file: the required settings (CHANGE-ME) and credentials (env:)."""
    filled = {
        system.name: [
            s.name for s in system.settings if s.required and not s.secret and s.default is None
        ]
        for system in (source, target)
    }
    sandbox = "(the sandboxes: no account needed)"
    if any(filled.values()):  # a sandbox refuses CHANGE-ME (an unknown company, say)
        sandbox = (
            "(the sandboxes: first set CHANGE-ME to the sandbox's values, on each plugin's page)"
        )
    lines = [
        f"# {source.title}: {entity} -> {target.title}.",
        f"#   koppel run --sandbox {name}     {sandbox}",
        f"#   koppel check {name}             (fill in CHANGE-ME and .env first)",
        f'name = "{name}"',
        f'source = "{source.name}"',
        f'target = "{target.name}"',
        f'entity = "{entity}"',
    ]
    for system in (source, target):
        settings = [f'{setting} = "{FILL_IN}"' for setting in filled[system.name]]
        credentials = [
            f'{s.name} = "env:{variable(system, s)}"'
            for s in system.settings
            if s.secret and (s.required or s.env)
        ]
        lines += ["", f"[connections.{system.name}]", f'system = "{system.name}"']
        if settings:
            lines.append(f"settings = {{ {', '.join(settings)} }}")
        if credentials:
            lines.append(f"credentials = {{ {', '.join(credentials)} }}")
    return "\n".join(lines) + "\n"


def env_template(systems: list[SystemInfo]) -> str:
    """``.env``: a line per credential the example flows read, empty, to fill in."""
    lines = ["# Credentials of the example flows (koppel reads them from the environment)."]
    for system in sorted(systems, key=lambda s: s.name):
        secrets = [s for s in system.settings if s.secret and (s.required or s.env)]
        if secrets:
            lines.append(f"# {system.title}")
            lines += [f"{variable(system, s)}=" for s in secrets]
    return "\n".join(lines) + "\n"


def variable(system: SystemInfo, setting: Setting) -> str:
    """The environment variable a credential is read from: the plugin's, else
    ``SYSTEM_SETTING``."""
    return setting.env or re.sub(r"[^A-Z0-9]+", "_", f"{system.name}_{setting.name}".upper())
