"""``koppel sandbox``: run a system's emulated API on loopback, and point flows at it."""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from koppel.sandbox import Sandbox, SandboxEndpoint


@click.group("sandbox")
def sandbox() -> None:
    """Run the emulated APIs that plugins ship (for demos and tests)."""


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


def _fault_kinds(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from koppel.sandbox import FAULT_KINDS

    if value is None:
        return None
    kinds = FAULT_KINDS if value.strip() == "all" else tuple(k.strip() for k in value.split(","))
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise click.BadParameter(
            f"unknown fault kind {', '.join(unknown) or value!r}; known: {', '.join(FAULT_KINDS)}"
        )
    return kinds


@sandbox.command("serve")
@click.argument("system")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0: any free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for demo data and faults."
)
@click.option(
    "--volume",
    type=click.IntRange(min=0),
    help="Records of the system's main entities to generate (eAccounting: orders).",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of API calls that fail (seeded by --seed).",
)
@click.option(
    "--fault-kinds",
    callback=_fault_kinds,
    metavar="KIND,...",
    help="Faults to draw from: 500, 502, 503, 504, reset, refused, timeout, malformed, "
    "truncated, 429, or all (default: 500, 503, reset, timeout, malformed); needs --fault-rate.",
)
@click.option(
    "--faults-after",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of faults that strike after the route ran (refused and 429 never do).",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds every API call takes.",
)
@click.option(
    "--token-lifetime",
    type=click.IntRange(min=1),
    help="Seconds an OAuth access token lives (default: the system's).",
)
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the URL, connection settings and OAuth app here as JSON once serving; "
    "removed on stop.",
)
def serve(
    system: str,
    port: int,
    host: str,
    seed: int,
    volume: int | None,
    fault_rate: float,
    fault_kinds: tuple[str, ...] | None,
    faults_after: float,
    latency: float,
    token_lifetime: int | None,
    ready_file: Path | None,
) -> None:
    """Serve SYSTEM's sandbox over HTTP until interrupted; the URL is the first line.

    The test-only routes GET /_sandbox/collections, /_sandbox/collections/NAME and
    /_sandbox/calls show what the sandbox holds and how it was called.
    """
    from koppel.errors import PluginError
    from koppel.sandbox import sandbox_for

    try:
        box = sandbox_for(system, seed=seed, volume=volume)
    except PluginError as exc:
        if exc.context.get("field") != "volume":
            raise
        raise click.BadParameter(exc.message, param_hint="--volume") from None
    options: dict[str, Any] = {
        "seed": seed,
        "fault_rate": fault_rate,
        "fault_kinds": fault_kinds,
        "faults_after": faults_after,
        "latency": latency,
        "token_lifetime": token_lifetime,
    }
    configure(box, **options)
    if ready_file is not None and not ready_file.resolve().parent.is_dir():
        raise click.BadParameter(
            f"no folder {ready_file.resolve().parent} to write it in", param_hint="--ready-file"
        )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # stop cleanly
    try:
        serve_until(
            box, host, port, stop, ready_file=ready_file, options={**options, "volume": volume}
        )
    finally:
        signal.signal(signal.SIGTERM, previous)


def configure(
    box: Sandbox,
    *,
    seed: int = 0,
    fault_rate: float = 0.0,
    fault_kinds: tuple[str, ...] | None = None,
    faults_after: float = 0.0,
    latency: float = 0.0,
    token_lifetime: int | None = None,
) -> None:
    """Apply ``serve``'s options to ``box``.

    :raises click.BadParameter: naming the option that cannot apply.
    """
    from koppel.sandbox import Faults

    if not fault_rate and (fault_kinds or faults_after):
        hint = "--fault-kinds" if fault_kinds else "--faults-after"
        raise click.BadParameter("has no effect without --fault-rate", param_hint=hint)
    if fault_rate and fault_kinds:
        box.faults = Faults(
            rate=fault_rate, seed=seed, after_handler=faults_after, kinds=fault_kinds
        )
    elif fault_rate:
        box.faults = Faults(rate=fault_rate, seed=seed, after_handler=faults_after)
    box.latency = latency
    if token_lifetime is not None:
        if box.oauth is None:
            raise click.BadParameter(
                f"the {box.name} sandbox uses no OAuth", param_hint="--token-lifetime"
            )
        box.oauth.access_ttl = token_lifetime


def serve_until(
    box: Sandbox,
    host: str,
    port: int,
    stop: threading.Event,
    *,
    ready_file: Path | None = None,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Serve ``box`` until ``stop`` is set or Ctrl-C; prints the URL first, alone on its line."""
    from koppel.sandbox import SandboxEndpoint

    try:
        server = box.serve(host, port)
    except OSError as exc:  # a port in use, a host that is no address of this machine
        raise click.BadParameter(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", param_hint="--host/--port"
        ) from None
    endpoint = SandboxEndpoint.of(box, server.url, options=options)
    try:
        click.echo(server.url)
        _describe(endpoint)
        if ready_file is not None:
            endpoint.write(ready_file)
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
        click.echo(f"sandbox {box.name} stopped")


def _describe(endpoint: SandboxEndpoint) -> None:
    click.echo(f"sandbox {endpoint.system} serving on {endpoint.url} (Ctrl-C stops)")
    if endpoint.settings:
        pairs = ", ".join(f'{k} = "{v}"' for k, v in endpoint.settings.items())
        click.echo(f"  a flow's connection reaches it with settings: {pairs}")
    if endpoint.authorize_url:
        click.echo(f"  OAuth: {endpoint.authorize_url} and {endpoint.token_url}")
        click.echo(f"  client id {endpoint.client_id}, client secret {endpoint.client_secret}")
    inspection = endpoint.inspection_url
    click.echo(f"  test-only: {inspection}/collections, {inspection}/calls")


@sandbox.command("point")
@click.argument("flow_file", metavar="FLOW", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--served",
    "ready_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The ready file of a served sandbox (koppel sandbox serve --ready-file); repeatable.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the pointed copy of FLOW.",
)
@click.option(
    "--state",
    "state_url",
    metavar="URL",
    help="The copy's state store (default: koppel-served.sqlite3 next to it).",
)
def point(flow_file: Path, ready_files: tuple[Path, ...], out: Path, state_url: str | None) -> None:
    """Copy FLOW with its connections pointed at served sandboxes, for `koppel auth` and
    `koppel run`; prints the environment its credentials need."""
    from koppel.sandbox import SandboxEndpoint, point_flow

    endpoints = [SandboxEndpoint.read(path, wait=10.0) for path in ready_files]
    pointed = point_flow(flow_file, out, endpoints, state=state_url)
    for name, endpoint in pointed.connections.items():
        click.echo(f"{pointed.path}: connection {name} -> {endpoint.system} at {endpoint.url}")
    for variable, value in pointed.env.items():
        click.echo(f"export {variable}={value}")


@sandbox.command("grant")
@click.argument("ready_file", metavar="READY_FILE", type=click.Path(path_type=Path))
def grant(ready_file: Path) -> None:
    """Grant access at a served sandbox's authorize endpoint, as a user in the browser
    would; prints the authorization code, for `koppel auth CONNECTION --code`."""
    from koppel.sandbox import SandboxEndpoint

    click.echo(SandboxEndpoint.read(ready_file, wait=10.0).grant_code())
