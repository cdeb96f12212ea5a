"""``koppel bookings list|show``: purchase invoices' bookings (the form they go out in,
journal entry, invoice as booked and commitment bookings), where flows exported them,
and the webhook notifications of those exports."""

from __future__ import annotations

import json
from typing import Any

import click

from koppel.cli._flowing import opened_state, print_table, state_option


@click.group("bookings")
def bookings() -> None:
    """Show the bookings of purchase invoices (the built-in booking system)."""


@bookings.command("list")
@state_option
@click.option("--administration", metavar="NAME", help="Only this administration's.")
@click.option("--last", "limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def list_bookings(
    state_url: str | None, administration: str | None, limit: int, as_json: bool
) -> None:
    """List the newest bookings: invoice, form (purchase invoice, or journal entry with
    Multi ERP), total, where they were exported and whether their notifications were
    delivered."""
    with opened_state(None, state_url, create=False) as store:
        rows: list[dict[str, Any]] = []
        for booking in store.latest_bookings(limit, administration=administration):
            exports = store.booking_exports(booking.id, booking.form.entity)
            notices = store.deliveries(booking.id)
            lines = booking.entry.get("lines") or [{}]
            rows.append(
                {
                    "id": booking.id,
                    "invoice": booking.invoice,
                    "administration": booking.administration,
                    "form": str(booking.form),
                    "booked_at": booking.booked_at.isoformat(),
                    "total": str(lines[0].get("amount", "")).removeprefix("-"),
                    "currency": booking.entry.get("currency"),
                    "commitments": len(booking.commitment_bookings),
                    "exported_to": [f"{target}:{tid}" for _, target, tid in exports],
                    "notified": sum(1 for n in notices if n.delivered_at is not None),
                    "notifications": len(notices),
                }
            )
    if as_json:
        for row in rows:
            click.echo(json.dumps(row))
        return
    if not rows:
        click.echo("no bookings")
        return
    print_table(
        (
            "id",
            "invoice",
            "administration",
            "form",
            "booked",
            "total",
            "commitments",
            "exported to",
            "told",
        ),
        [
            (
                row["id"],
                row["invoice"],
                row["administration"] or "",
                row["form"].replace("_", " "),
                row["booked_at"][:16].replace("T", " "),
                f"{row['total']} {row['currency']}",
                row["commitments"],
                ", ".join(row["exported_to"]) or "not yet",
                f"{row['notified']}/{row['notifications']}",
            )
            for row in rows
        ],
    )


@bookings.command("show")
@click.argument("booking_id", type=int, metavar="ID")
@state_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(booking_id: int, state_url: str | None, as_json: bool) -> None:
    """Show booking ID: the invoice, its form, the journal entry, the invoice as booked,
    the commitment bookings, its exports (the bindings of the form's entity:
    purchase_invoices or journal_entries) and each notification with every attempt."""
    with opened_state(None, state_url, create=False) as store:
        booking = store.booking(booking_id)
        if booking is None:
            raise click.ClickException(f"no booking {booking_id}")
        entity = booking.form.entity
        exports = store.booking_exports(booking_id, entity)
        notices = [
            (delivery, store.delivery_attempts(delivery.id))
            for delivery in store.deliveries(booking_id)
        ]
    shown: dict[str, Any] = {
        "id": booking.id,
        "invoice": booking.invoice,
        "administration": booking.administration,
        "booked_at": booking.booked_at.isoformat(),
        "form": str(booking.form),
        "entry": booking.entry,
        "invoice_record": booking.invoice_record,
        "commitment_bookings": list(booking.commitment_bookings),
        "exports": [
            {"source": source, "target": target, "entity": entity, "target_id": tid}
            for source, target, tid in exports
        ],
        "notifications": [
            {
                "url": delivery.url,
                "idempotency_key": delivery.key,
                "created_at": delivery.created_at.isoformat(),
                "delivered_at": delivery.delivered_at and delivery.delivered_at.isoformat(),
                "next_attempt_at": delivery.next_attempt_at.isoformat(),
                "attempts": [
                    {"at": a.at.isoformat(), "status": a.status, "answer": a.answer}
                    for a in attempts
                ],
            }
            for delivery, attempts in notices
        ],
    }
    if as_json:
        click.echo(json.dumps(shown, indent=2, default=str))
        return
    _print(shown)


def _vat(line: dict[str, Any]) -> str:
    """A purchase invoice line's VAT as known: its code (else its rate) and its amount."""
    rate = line.get("vat_rate")
    known = [line.get("vat_code") or (f"{rate}%" if rate is not None else None)]
    known.append(line.get("vat_amount"))
    shown = " ".join(str(part) for part in known if part is not None)
    return f"  VAT {shown}" if shown else ""


def _print(shown: dict[str, Any]) -> None:
    click.echo(f"booking {shown['id']}: invoice {shown['invoice']} ({shown['booked_at']})")
    click.echo(f"  goes out as a {shown['form'].replace('_', ' ')}")
    invoice = shown["invoice_record"]
    if shown["form"] == "purchase_invoice" and invoice:
        supplier = invoice.get("supplier") or {}
        click.echo(
            f"  purchase invoice {invoice.get('number')} of "
            f"{supplier.get('number') or supplier.get('vat_number')}, "
            f"{invoice.get('total_incl_vat')} {invoice.get('currency')}:"
        )
        for line in invoice.get("lines", []):
            click.echo(f"    {line.get('gl_account'):>10} {line.get('amount'):>12}{_vat(line)}")
    entry = shown["entry"]
    click.echo(f"  journal entry {entry.get('reference')} {entry.get('currency')}:")
    for line in entry.get("lines", []):
        relation = f"  {line['relation']}" if line.get("relation") else ""
        click.echo(f"    {line['account']:>10} {line['amount']:>12}{relation}")
    for item in shown["commitment_bookings"]:
        record = item["record"]
        handled = ", handled" if record.get("handled") else ""
        click.echo(
            f"  commitment {record['commitment']} ({item['source_system']}): "
            f"{record['amount']}{handled}"
        )
    for export in shown["exports"]:
        click.echo(f"  exported by {export['source']} to {export['target']}: {export['target_id']}")
    for notice in shown["notifications"]:
        state = f"delivered {notice['delivered_at']}" if notice["delivered_at"] else "waiting"
        click.echo(f"  notification to {notice['url']}: {state}, {len(notice['attempts'])} tries")
