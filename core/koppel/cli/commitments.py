"""``koppel commitments list|match``: the commitments register (filled by flows whose
target is the built-in ``register`` system), and an operator's choice of commitments for
a purchase invoice that was not matched."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from koppel.cli._flowing import opened_state, print_table, state_option


@click.group("commitments")
def commitments() -> None:
    """Show the commitments register that purchase invoices are matched against, and
    choose commitments for an invoice that was not matched."""


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


def _choice(text: str) -> tuple[str, Decimal | None]:
    key, _, amount = text.rpartition(":") if ":" in text else (text, "", "")
    if not key.strip():
        raise click.BadParameter(
            f"{text!r}: give a commitment's register id or code (koppel commitments list), "
            "optionally with :AMOUNT",
            param_hint="COMMITMENT[:AMOUNT]",
        )
    if not amount:
        return key.strip(), None
    try:
        value = Decimal(amount)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise click.BadParameter(f"{text!r}: {amount!r} is not a positive amount")
    return key.strip(), value


def _register_id(store: Any, key: str) -> int:
    """The register id of COMMITMENT ``key``: a register id, else the one commitment
    whose code, internal or external reference it is."""
    if key.isdigit():
        if store.commitment(int(key)) is None:
            raise click.BadParameter(
                f"commitment {key} is not in the register", param_hint="COMMITMENT[:AMOUNT]"
            )
        return int(key)
    found = store.commitments_by_reference(key)
    if not found:
        raise click.BadParameter(
            f"{key!r} is no register id, nor the code or reference of a commitment in the "
            "register (koppel commitments list)",
            param_hint="COMMITMENT[:AMOUNT]",
        )
    if len(found) > 1:
        which = ", ".join(f"{c.id} ({c.source_system})" for c in found)
        raise click.BadParameter(
            f"{key!r} is the code or reference of {len(found)} commitments in the register: "
            f"{which}; give the register id",
            param_hint="COMMITMENT[:AMOUNT]",
        )
    register_id: int = found[0].id
    return register_id


@commitments.command("match")
@click.argument("invoice")
@click.argument("chosen", nargs=-1, required=True, metavar="COMMITMENT[:AMOUNT]...")
@state_option
def match(invoice: str, chosen: tuple[str, ...], state_url: str | None) -> None:
    """Book purchase invoice INVOICE (its record id, as parked) on the commitments chosen.

    Each COMMITMENT is a register id (or a commitment's code or reference, when it is
    one commitment's), with the amount to book on it after a colon;
    without amounts the invoice total is spread as automatic matching does. The
    invoice's parked record is made due: the next run or `koppel parked retry`
    books it.
    """
    given = [_choice(text) for text in chosen]
    with opened_state(None, state_url) as store:
        choices = [(_register_id(store, key), amount) for key, amount in given]
        parked = [p for p in store.parked(entity="purchase_invoices") if p.source_id == invoice]
        supplier = _supplier_keys(parked[0].data) if parked else set()
        for register_id, _ in choices:
            found = store.commitment(register_id)
            assert found is not None
            theirs = found.commitment.supplier
            if supplier and theirs and theirs not in supplier:
                click.secho(
                    f"note: commitment {register_id} is supplier {theirs}'s, not this "
                    f"invoice's ({', '.join(sorted(supplier))})",
                    fg="yellow",
                    err=True,
                )
        if store.booking_of_invoice(invoice) is not None:
            raise click.ClickException(f"{invoice} is booked already")
        store.choose_commitments(invoice, choices)
        waiting = [item.id for item in parked]
        if waiting:
            store.mark_due(waiting)
    for register_id, amount in choices:
        how = "the rest" if amount is None else amount
        click.echo(f"{invoice}: commitment {register_id} for {how}")
    if waiting:
        click.echo(f"parked record {', '.join(map(str, waiting))} is due: the next run books it")
    else:
        click.echo("no parked record of this invoice: the choice waits for it")


def _supplier_keys(data: Any) -> set[str]:
    """The keys a parked invoice names its supplier by (number, VAT number)."""
    supplier = data.get("supplier") if isinstance(data, dict) else None
    if not isinstance(supplier, dict):
        return set()
    return {str(supplier[k]) for k in ("number", "vat_number") if supplier.get(k)}
