"""``koppel tokens create|list|revoke``: API tokens for ``koppel serve``'s HTTP API."""

from __future__ import annotations

import click

from koppel.cli._flowing import opened_state, print_table, state_option


@click.group("tokens")
def tokens() -> None:
    """Create, list or revoke API tokens (Authorization: Bearer <token>)."""


@tokens.command("create")
@click.option("--name", required=True, help="What the token is for (shown in lists, audit).")
@click.option(
    "--role",
    type=click.Choice(["read-only", "operator"]),
    required=True,
    help="read-only, or operator (may act: runs, retries, pushes).",
)
@state_option
def create(name: str, role: str, state_url: str | None) -> None:
    """Create a token and print it once: only its hash is kept."""
    from koppel.web._accounts import cli_actor, create_token, record_action

    with opened_state(None, state_url) as store:
        token, secret = create_token(store, name, role, created_by=cli_actor())
        record_action(store, cli_actor(), "token.create", {"token": token.id, "name": name})
    click.echo(secret)
    click.echo(
        f"token {token.id} ({token.name}, {token.role.value}): keep it now, it is not shown again",
        err=True,
    )


@tokens.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also revoked tokens.")
@state_option
def list_tokens(show_all: bool, state_url: str | None) -> None:
    """List the tokens (never the tokens themselves)."""
    from koppel.web._accounts import list_tokens as listed

    with opened_state(None, state_url) as store:
        found = listed(store, revoked=show_all)
    if not found:
        click.echo("no tokens (koppel tokens create --name NAME --role read-only)")
        return
    print_table(
        ("id", "name", "role", "created", "last used", "revoked"),
        [
            (
                t.id,
                t.name,
                t.role.value,
                t.created_at.strftime("%Y-%m-%d %H:%M"),
                t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never",
                t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "",
            )
            for t in found
        ],
    )


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@state_option
def revoke(token_id: int, state_url: str | None) -> None:
    """Revoke token ID: it is refused from its next request on."""
    from koppel.web._accounts import cli_actor, record_action, revoke_token

    with opened_state(None, state_url) as store:
        token = revoke_token(store, token_id)
        record_action(store, cli_actor(), "token.revoke", {"token": token_id})
    click.echo(f"token {token.id} ({token.name}) revoked")
