"""``koppel commitments list``: the commitments register (filled by flows whose target is
the built-in ``register`` system)."""

from __future__ import annotations

import json

import click

from koppel.cli._flowing import opened_state, print_table, state_option


@click.group("commitments")
def commitments() -> None:
    """Show the commitments register that purchase invoices are matched against."""


@commitments.command("list")
@state_option
@click.option("--open", "open_only", is_flag=True, help="Only commitments that can still match.")
@click.option("--administration", metavar="NAME", help="Only this administration's.")
@click.option("--supplier", metavar="CODE", help="Only this supplier's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def list_commitments(
    state_url: str | None,
    open_only: bool,
    administration: str | None,
    supplier: str | None,
    as_json: bool,
) -> None:
    """List the commitments in the register, oldest first."""
    from koppel.records import unstructure

    with opened_state(None, state_url) as store:
        found = store.commitments(
            administration=administration, supplier=supplier, open_only=open_only
        )
    if as_json:
        for item in found:
            click.echo(
                json.dumps(
                    {
                        "register_id": item.id,
                        "source_system": item.source_system,
                        "source_id": item.source_id,
                        "updated_at": item.updated_at.isoformat(),
                        **unstructure(item.commitment),
                    }
                )
            )
        return
    if not found:
        click.echo("no commitments" + (" open" if open_only else ""))
        return
    print_table(
        (
            "id",
            "administration",
            "code",
            "internal ref",
            "external ref",
            "delivery notes",
            "supplier",
            "gl account",
            "project",
            "amount",
            "open",
            "status",
            "handled",
            "source",
            "changed",
        ),
        [
            (
                item.id,
                c.administration or "",
                c.code or "",
                c.internal_reference or "",
                c.external_reference or "",
                ", ".join(c.delivery_notes),
                c.supplier or "",
                c.gl_account or "",
                c.project or "",
                f"{c.amount} {c.currency}",
                c.open_amount,
                c.status or "",
                "yes" if c.handled else "no",
                f"{item.source_system}:{item.source_id}",
                (c.modified_at or item.updated_at).strftime("%Y-%m-%d %H:%M"),
            )
            for item in found
            for c in (item.commitment,)
        ],
    )
