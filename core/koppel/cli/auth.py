"""``koppel auth CONNECTION``: authorise a connection with OAuth2 and store its token."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from koppel.cli._flowing import state_option

if TYPE_CHECKING:
    from koppel.flows import Flow
    from koppel.http import OAuth2Config
    from koppel.sync import Connection


def _connection(flow: Flow, name: str, flow_file: Path) -> Connection:
    """Connection ``name`` of the flow, with its credentials resolved."""
    from koppel.errors import FlowFileError
    from koppel.flows import build_connection

    for config in (flow.source, flow.target):
        if config.name == name:
            return build_connection(config, file=str(flow_file))
    names = f"{flow.source.name}, {flow.target.name}"
    raise FlowFileError(
        f"no connection {name!r} in the flow (it has: {names})", file=str(flow_file)
    )


def _plugin_config(connection: Connection) -> OAuth2Config | None:
    """What the connection's plugin says its OAuth2 endpoints and client are."""
    from koppel.plugins import get_plugin_manager

    hooks = get_plugin_manager().hooks_for(connection.system)
    answer: OAuth2Config | None = hooks.oauth_config(connection=connection)
    return answer


def _config(
    connection: Connection | None, name: str, options: dict[str, str | None]
) -> OAuth2Config:
    """Options win over the connection's settings, which win over the plugin's answer."""
    from koppel.errors import ConfigurationError
    from koppel.http import OAuth2Config

    base = _plugin_config(connection) if connection is not None else None
    settings: dict[str, Any] = dict(connection.settings) if connection else {}
    secrets: dict[str, str] = dict(connection.secrets) if connection else {}

    def pick(key: str) -> str | None:
        value = options.get(key) or settings.get(key) or secrets.get(key)
        return str(value) if value else (getattr(base, key, None) if base else None)

    values = {k: pick(k) for k in ("authorize_url", "token_url", "client_id")}
    missing = [k.replace("_", "-") for k, v in values.items() if not v]
    if missing:
        raise ConfigurationError(
            "missing OAuth settings: --"
            + ", --".join(missing)
            + " (or give them in the flow file's connection settings)",
            connection=name,
        )
    return OAuth2Config(
        authorize_url=str(values["authorize_url"]),
        token_url=str(values["token_url"]),
        client_id=str(values["client_id"]),
        client_secret=pick("client_secret"),
        redirect_uri=pick("redirect_uri"),
        scope=pick("scope"),
        extra_authorize_params=base.extra_authorize_params if base else {},
    )


def _show(url: str, browser: bool | None) -> None:
    """Print the authorization URL, and open it when asked or in a terminal."""
    import sys
    import webbrowser

    click.echo("Open this URL, sign in and grant access:\n")
    click.echo(f"  {url}\n")
    if browser or (browser is None and sys.stdout.isatty()):
        webbrowser.open(url)


@click.command("auth")
@click.argument("connection")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The flow file that names CONNECTION: its system, settings and state store.",
)
@state_option
@click.option("--authorize-url", help="The provider's authorization endpoint.")
@click.option("--token-url", help="The provider's token endpoint.")
@click.option("--client-id", help="The OAuth client id.")
@click.option(
    "--client-secret",
    envvar="KOPPEL_CLIENT_SECRET",
    help="The OAuth client secret (or set KOPPEL_CLIENT_SECRET).",
)
@click.option("--redirect-uri", help="The redirect URI registered with the provider.")
@click.option("--scope", help="Scopes to ask for.")
@click.option(
    "--code",
    "answer",
    help="The redirect URL or code (otherwise caught or asked for after printing the URL).",
)
@click.option(
    "--listen/--no-listen",
    default=None,
    help="Catch the redirect on its loopback port (default when the redirect URI is an "
    "http URL on 127.0.0.1 or localhost), or ask for it to be pasted.",
)
@click.option(
    "--browser/--no-browser",
    default=None,
    help="Open the URL in a browser (default: when koppel runs in a terminal).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    help="Seconds to wait for the redirect when listening.",
)
def auth(
    connection: str,
    flow_file: Path | None,
    state_url: str | None,
    authorize_url: str | None,
    token_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    redirect_uri: str | None,
    scope: str | None,
    answer: str | None,
    listen: bool | None,
    browser: bool | None,
    timeout: float,
) -> None:
    """Authorise CONNECTION: open the printed URL, grant access, and koppel takes the code.

    When the redirect URI is an http URL on 127.0.0.1 or localhost (with a port),
    koppel listens there and catches the browser's redirect; otherwise paste the URL
    you were redirected to. The endpoints come from the connection's plugin, its
    settings in the flow file, or the options. The token goes into the state store that ``koppel
    run`` uses for the flow, where rotating refresh tokens are replaced
    atomically from then on.
    """
    from koppel.cli._flowing import load, opened_state
    from koppel.http import (
        RedirectListener,
        RetryPolicy,
        authorization_url,
        build_client,
        code_from_redirect,
        exchange_code,
        is_loopback_redirect,
    )

    flow = load(flow_file) if flow_file is not None else None
    target = _connection(flow, connection, flow_file) if flow and flow_file else None
    options = {
        "authorize_url": authorize_url,
        "token_url": token_url,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "scope": scope,
    }
    config = _config(target, connection, options)
    url, state = authorization_url(config)
    if answer is not None:
        code = code_from_redirect(answer, state=state if "state=" in answer else None)
    elif listen or (listen is None and is_loopback_redirect(config.redirect_uri)):
        with RedirectListener(config.redirect_uri or "", state=state) as listener:
            _show(url, browser)
            click.echo(f"Waiting for the redirect to {config.redirect_uri} ...")
            code = code_from_redirect(listener.wait(timeout), state=state)
    else:
        _show(url, browser)
        answer = click.prompt("Paste the URL you were redirected to (or the code)")
        code = code_from_redirect(answer, state=state if "state=" in answer else None)
    system = target.system if target else "oauth"
    with build_client(system=system, base_url="", retry=RetryPolicy(attempts=2)) as client:
        token = exchange_code(config, code, client=client)
    with opened_state(flow, state_url) as store:
        store.token_store().save(connection, token)
        where = store.url
    click.echo(f"Token stored for {connection} in {where} (access expires {token.expires_at}).")
