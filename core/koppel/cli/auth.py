"""``koppel auth CONNECTION``: authorise a connection with OAuth2 and store its token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _from_flow(flow_file: Path, name: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(system, settings, secrets) of connection ``name`` in a flow file."""
    from koppel.errors import FlowFileError
    from koppel.flows import build_connection, load_flow

    flow = load_flow(flow_file)
    for config in (flow.source, flow.target):
        if config.name == name:
            connection = build_connection(config, file=str(flow_file))
            return connection.system, dict(connection.settings), dict(connection.secrets)
    names = f"{flow.source.name}, {flow.target.name}"
    raise FlowFileError(
        f"no connection {name!r} in the flow (it has: {names})", file=str(flow_file)
    )


def default_token_file() -> Path:
    """Where ``koppel auth`` keeps tokens when not told otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("koppel")) / "tokens.json"


@click.command("auth")
@click.argument("connection")
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(exists=True, path_type=Path),
    help="Take the connection's OAuth settings from this flow file.",
)
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
    help="The redirect URL or code (otherwise asked for after printing the URL).",
)
@click.option(
    "--tokens",
    "token_file",
    type=click.Path(path_type=Path),
    help="Token file (default: tokens.json in the user data directory).",
)
def auth(
    connection: str,
    flow_file: Path | None,
    authorize_url: str | None,
    token_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    redirect_uri: str | None,
    scope: str | None,
    answer: str | None,
    token_file: Path | None,
) -> None:
    """Authorise CONNECTION: open the printed URL, grant access, paste the redirect URL.

    The token is stored where the connection's refreshes will find it; rotating
    refresh tokens are replaced atomically from then on.
    """
    from koppel.errors import ConfigurationError
    from koppel.http import (
        FileTokenStore,
        OAuth2Config,
        RetryPolicy,
        authorization_url,
        build_client,
        code_from_redirect,
        exchange_code,
    )

    system: str = "oauth"
    settings: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    if flow_file is not None:
        system, settings, secrets = _from_flow(flow_file, connection)
    values = {
        "authorize_url": authorize_url or settings.get("authorize_url"),
        "token_url": token_url or settings.get("token_url"),
        "client_id": client_id or settings.get("client_id") or secrets.get("client_id"),
    }
    missing = [k.replace("_", "-") for k, v in values.items() if not v]
    if missing:
        raise ConfigurationError(
            "missing OAuth settings: --"
            + ", --".join(missing)
            + " (or give them in the flow file's connection settings)",
            connection=connection,
        )
    config = OAuth2Config(
        authorize_url=str(values["authorize_url"]),
        token_url=str(values["token_url"]),
        client_id=str(values["client_id"]),
        client_secret=client_secret or secrets.get("client_secret"),
        redirect_uri=redirect_uri or settings.get("redirect_uri"),
        scope=scope or settings.get("scope"),
    )
    url, state = authorization_url(config)
    click.echo("Open this URL, sign in and grant access:\n")
    click.echo(f"  {url}\n")
    if answer is None:
        answer = click.prompt("Paste the URL you were redirected to (or the code)")
    code = code_from_redirect(answer, state=state if "state=" in answer else None)
    with build_client(system=system, base_url="", retry=RetryPolicy(attempts=2)) as client:
        token = exchange_code(config, code, client=client)
    store = FileTokenStore(token_file or default_token_file())
    store.save(connection, token)
    click.echo(
        f"Token stored for {connection} in {store.path} (access expires {token.expires_at})."
    )
