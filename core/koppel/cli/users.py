"""``koppel users add|list|remove``: who may sign in to ``koppel serve``'s pages."""

from __future__ import annotations

import sys

import click

from koppel.cli._flowing import opened_state, print_table, state_option

_ROLES = click.Choice(["read-only", "operator"])


@click.group("users")
def users() -> None:
    """Add, list or remove the users of koppel serve's pages."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=_ROLES, required=True, help="read-only, or operator (may act).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (first line) instead of prompting.",
)
@click.option("--update", is_flag=True, help="Give an existing user this password and role.")
@state_option
def add(name: str, role: str, password_stdin: bool, update: bool, state_url: str | None) -> None:
    """Add user NAME with a password (asked twice, or read from standard input)."""
    from koppel.web._accounts import add_user, cli_actor, record_action

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened_state(None, state_url) as store:
        user = add_user(store, name, password, role, replace=update)
        record_action(store, cli_actor(), "user.update" if update else "user.add", {"user": name})
    click.echo(f"user {user.name} ({user.role.value}) {'updated' if update else 'added'}")


@users.command("list")
@state_option
def list_users(state_url: str | None) -> None:
    """List the users and their roles."""
    from koppel.web._accounts import list_users as listed

    with opened_state(None, state_url) as store:
        found = listed(store)
    if not found:
        click.echo("no users (koppel users add NAME --role operator)")
        return
    print_table(
        ("name", "role", "added"),
        [(u.name, u.role.value, u.created_at.strftime("%Y-%m-%d %H:%M")) for u in found],
    )


@users.command("remove")
@click.argument("name")
@state_option
def remove(name: str, state_url: str | None) -> None:
    """Remove user NAME; their sessions end at their next request."""
    from koppel.web._accounts import cli_actor, record_action, remove_user

    with opened_state(None, state_url) as store:
        remove_user(store, name)
        record_action(store, cli_actor(), "user.remove", {"user": name})
    click.echo(f"user {name} removed")
