"""The purchase side: the commitments register with open amounts and the bookings
matched on each (*verplichtingen*), and the webhook notifications of exported bookings."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from koppel.state import StateStore
from koppel.state._bookings import Delivery, DeliveryAttempt
from koppel.state._engine import BEGIN_OPTION
from koppel.state._schema import booking_attempts, booking_deliveries, bookings
from koppel.web.pages._common import User, WebDep, render

__all__ = ["router"]

router = APIRouter()

#: Bookings read to find the matches of the commitments shown.
_BOOKINGS = 500
#: Notifications listed.
_NOTICES = 200


@router.get("/commitments")
def commitments_page(
    request: Request,
    user: User,
    web: WebDep,
    administration: Annotated[str | None, Query(max_length=200)] = None,
    supplier: Annotated[str | None, Query(max_length=200)] = None,
    open: bool = False,
) -> Response:
    found = web.store.commitments(
        administration=administration or None, supplier=supplier or None, open_only=open
    )
    matched: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for booking in web.store.latest_bookings(_BOOKINGS):
        for item in booking.commitment_bookings:
            record = item.get("record") or {}
            key = (str(item.get("source_system")), str(record.get("commitment")))
            matched.setdefault(key, []).append(
                {
                    "booking": booking.id,
                    "invoice": booking.invoice,
                    "invoice_number": record.get("invoice_number"),
                    "amount": record.get("amount"),
                    "handled": record.get("handled"),
                    "line": record.get("line"),
                }
            )
    rows = [
        {
            "item": item,
            "c": item.commitment,
            "bookings": matched.get((item.source_system, item.source_id), []),
        }
        for item in found
    ]
    return render(
        web,
        request,
        "commitments.html",
        {
            "rows": rows,
            "administration": administration or "",
            "supplier": supplier or "",
            "open": open,
            "read": _BOOKINGS,
        },
    )


@router.get("/webhooks")
def webhooks_page(request: Request, user: User, web: WebDep, waiting: bool = False) -> Response:
    notices = _notifications(web.store, waiting=waiting, limit=_NOTICES)
    context = {"notices": notices, "waiting": waiting, "shown": _NOTICES}
    return render(web, request, "webhooks.html", context)


def _notifications(store: StateStore, *, waiting: bool, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` notifications (``waiting``: not delivered), each with its
    booking's invoice and its attempts, in two queries."""
    query = (
        sa.select(booking_deliveries, bookings.c.invoice)
        .join(bookings, bookings.c.id == booking_deliveries.c.booking_id)
        .order_by(booking_deliveries.c.id.desc())
        .limit(limit)
    )
    if waiting:
        query = query.where(booking_deliveries.c.delivered_at.is_(None))
    with store.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}).connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
        attempts: dict[int, list[DeliveryAttempt]] = {}
        ids = [row["id"] for row in rows]
        if ids:
            tried = (
                sa.select(
                    booking_attempts.c.delivery_id,
                    booking_attempts.c.at,
                    booking_attempts.c.status,
                    booking_attempts.c.answer,
                )
                .where(booking_attempts.c.delivery_id.in_(ids))
                .order_by(booking_attempts.c.id)
            )
            for attempt in conn.execute(tried):
                attempts.setdefault(attempt.delivery_id, []).append(
                    DeliveryAttempt(**attempt._mapping)
                )
    return [
        {
            "invoice": row.pop("invoice"),
            "delivery": Delivery(**row),
            "attempts": attempts.get(row["id"], []),
        }
        for row in rows
    ]
