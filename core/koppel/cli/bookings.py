"""``koppel bookings show``: a purchase invoice's booking (its journal entry and commitment
bookings), where flows exported it, and the webhook notifications of that export."""

from __future__ import annotations

import json
from typing import Any

import click

from koppel.cli._flowing import opened_state, state_option


@click.group("bookings")
def bookings() -> None:
    """Show the bookings of purchase invoices (the built-in booking system)."""


@bookings.command("show")
@click.argument("booking_id", type=int, metavar="ID")
@state_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(booking_id: int, state_url: str | None, as_json: bool) -> None:
    """Show booking ID: the invoice, the journal entry, the commitment bookings, its
    exports (journal_entries bindings) and each notification with every attempt."""
    from koppel.purchase.booking import EXPORTED_ENTITY

    with opened_state(None, state_url, create=False) as store:
        booking = store.booking(booking_id)
        if booking is None:
            raise click.ClickException(f"no booking {booking_id}")
        exports = store.booking_exports(booking_id, EXPORTED_ENTITY)
        notices = [
            (delivery, store.delivery_attempts(delivery.id))
            for delivery in store.deliveries(booking_id)
        ]
    shown: dict[str, Any] = {
        "id": booking.id,
        "invoice": booking.invoice,
        "administration": booking.administration,
        "booked_at": booking.booked_at.isoformat(),
        "entry": booking.entry,
        "commitment_bookings": list(booking.commitment_bookings),
        "exports": [
            {"source": source, "target": target, "entity": EXPORTED_ENTITY, "target_id": tid}
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


def _print(shown: dict[str, Any]) -> None:
    click.echo(f"booking {shown['id']}: invoice {shown['invoice']} ({shown['booked_at']})")
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
