"""``koppel sandbox``: run a system's emulated API on loopback."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from koppel.sandbox import Sandbox


@click.group("sandbox")
def sandbox() -> None:
    """Run the emulated APIs that plugins ship (for demos and manual tests)."""


@sandbox.command("list")
def list_sandboxes() -> None:
    """List the systems that provide a sandbox."""
    from koppel.errors import PluginError
    from koppel.plugins import get_plugin_manager
    from koppel.sandbox import sandbox_for

    manager = get_plugin_manager()
    for name in sorted(manager.systems):
        try:
            box = sandbox_for(name, pm=manager)
        except PluginError:
            continue
        click.echo(f"{name}\t{box.base_url}")


@sandbox.command("serve")
@click.argument("system")
@click.option("--port", type=int, default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for demo data and faults."
)
def serve(system: str, port: int, host: str, seed: int) -> None:
    """Serve SYSTEM's sandbox over HTTP until interrupted."""
    from koppel.sandbox import sandbox_for

    serve_until(sandbox_for(system, seed=seed), host, port, threading.Event())


def serve_until(box: Sandbox, host: str, port: int, stop: threading.Event) -> None:
    """Serve ``box`` until ``stop`` is set or Ctrl-C; prints the URL first."""
    server = box.serve(host, port)
    click.echo(f"sandbox {box.name} serving on {server.url} (Ctrl-C stops)")
    if box.oauth is not None:
        click.echo(f"  OAuth: {server.url}{box.oauth.authorize_path} and {box.oauth.token_path}")
        click.echo(f"  client id {box.oauth.client_id}, client secret {box.oauth.client_secret}")
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        click.echo(f"sandbox {box.name} stopped")
