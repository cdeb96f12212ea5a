"""``koppel serve``: the operators' dashboard and the HTTP API, on 127.0.0.1 by default."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from koppel.cli._flowing import SANDBOX_STATE, opened_state, sandbox_options, state_option
from koppel.cli._project import find_project, read_env

if TYPE_CHECKING:
    from koppel.engine import RunObserver, RunResult
    from koppel.flows import Flow
    from koppel.relations import RelationWorkflow
    from koppel.state import StateStore


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--flows",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of flow files to serve (default: the project's, koppel.toml).",
)
@click.option("--ssl-certfile", type=click.Path(dir_okay=False, exists=True), help="TLS cert.")
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False, exists=True), help="TLS key.")
@click.option(
    "--secure-cookies/--no-secure-cookies",
    default=None,
    help="Send the session cookie over HTTPS only (default: yes, unless served on "
    "loopback without TLS). Say yes behind a TLS proxy on loopback.",
)
@click.option(
    "--worker/--no-worker",
    "use_worker",
    default=None,
    help="Queue runs started from the web for koppel worker (default: when one is alive).",
)
@sandbox_options(
    "Runs started from the web go to the systems' sandboxes, as kept by the last "
    f"--sandbox command (state in ./{SANDBOX_STATE} unless --state is given)."
)
@state_option
def serve(
    host: str,
    port: int,
    folder: Path | None,
    ssl_certfile: str | None,
    ssl_keyfile: str | None,
    secure_cookies: bool | None,
    use_worker: bool | None,
    sandbox: bool,
    seed: int | None,
    state_url: str | None,
) -> None:
    """Serve the dashboard and the HTTP API over the state store.

    Sign in with a user from `koppel users add`; call the API with a token from
    `koppel tokens create`. Binds 127.0.0.1 unless --host says otherwise.
    """
    try:
        import uvicorn

        from koppel.web import create_app
        from koppel.web._context import RelationsOpener, open_relations
    except ImportError as exc:
        raise click.ClickException(
            f'koppel serve needs its extra: pip install "koppel[web]" ({exc})'
        ) from exc
    from koppel.cli.run import open_sandboxes

    flows = _served_flows(folder)
    sandboxes, state_url = open_sandboxes(sandbox, seed, state_url)
    runner = None
    relations: RelationsOpener = open_relations
    if sandboxes is not None:
        lock = threading.Lock()  # the sandboxes are shared: one run at a time

        def runner(flow: Flow, store: StateStore, observer: RunObserver) -> RunResult:
            with lock:
                try:
                    return sandboxes.run(flow, store, observer=observer)
                finally:
                    sandboxes.keep()

        @contextmanager
        def on_sandboxes(
            flow: Flow, store: StateStore, by: str | None
        ) -> Iterator[RelationWorkflow]:
            from koppel.relations import RelationWorkflow

            with lock:
                try:
                    with RelationWorkflow(
                        sandboxes.prepare(flow),
                        store,
                        by=by,
                        prepare_connection=sandboxes.attach,
                        token_store=sandboxes.tokens,
                    ) as work:
                        yield work
                finally:
                    sandboxes.keep()

        relations = on_sandboxes

    tls = ssl_certfile is not None
    secure = secure_cookies if secure_cookies is not None else tls or not _loopback(host)
    with opened_state(None, state_url) as store:
        app = create_app(
            store,
            flows=flows,
            cookie_secure=secure,
            runner=runner,
            use_worker=use_worker,
            relations=relations,
        )
        scheme = "https" if tls else "http"
        click.echo(
            f"koppel serve on {scheme}://{host}:{port}/ ({len(flows)} flow(s), state {store.url})",
            err=True,
        )
        uvicorn.run(
            app,
            host=host,
            port=port,
            ssl_certfile=ssl_certfile,
            ssl_keyfile=ssl_keyfile,
            log_level="warning",
        )


def _served_flows(folder: Path | None) -> dict[str, Flow]:
    """The flows of ``folder``, or of the project (with its ``.env`` read), or none."""
    from koppel.worker import load_flows

    if folder is not None:
        return load_flows(folder)
    project = find_project()
    if project is None or not project.flow_files():
        return {}
    read_env(project.root / ".env")
    return load_flows(project.flows)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
