"""``koppel install PLUGIN ...``: pip-install plugins into the environment koppel runs in."""

from __future__ import annotations

import re
import subprocess
import sys

import click

#: A bare system name, as flow files spell it: installed as the package ``koppel-NAME``.
_SYSTEM = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def requirement(plugin: str) -> str:
    """What pip installs for ``plugin``: ``eaccounting`` -> ``koppel-eaccounting``; a
    package name (``koppel-x``, ``koppel-x==1.2``), a path or a URL as it is."""
    if _SYSTEM.fullmatch(plugin) and not plugin.startswith("koppel-"):
        return f"koppel-{plugin}"
    return plugin


@click.command("install")
@click.argument("plugins", nargs=-1, required=True, metavar="PLUGIN [PLUGIN ...]")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade plugins already installed.")
@click.option("-e", "--editable", is_flag=True, help="Install a plugin folder in editable mode.")
def install(plugins: tuple[str, ...], upgrade: bool, editable: bool) -> None:
    """Install plugins with pip into koppel's own environment, then list what koppel finds.

    PLUGIN is a system name (eaccounting installs koppel-eaccounting), a package
    name with an optional version, a folder or a URL.
    """
    from koppel.errors import ConfigurationError

    command = [sys.executable, "-m", "pip", "install"]
    if upgrade:
        command.append("--upgrade")
    for plugin in plugins:
        command += ["-e", plugin] if editable else [requirement(plugin)]
    click.echo("$ " + " ".join(command[2:]), err=True)
    if subprocess.run(command, check=False).returncode != 0:
        raise ConfigurationError(f"pip could not install {', '.join(plugins)} (see above)")
    from koppel.plugins import get_plugin_manager

    manager = get_plugin_manager(refresh=True)
    click.echo(f"systems: {', '.join(sorted(manager.systems)) or 'none'}")
    for broken in manager.broken:
        click.secho(f"broken plugin {broken.name}: {broken.error}", fg="red", err=True)
