"""The purchase side: the commitments register with open amounts and the bookings
matched on each (*verplichtingen*), and the webhook notifications of exported bookings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from koppel.web.pages._common import User, WebDep, render

__all__ = ["router"]

router = APIRouter()

#: Bookings read to find the matches of the commitments shown, and to list notifications.
_BOOKINGS = 500


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
def webhooks_page(
    request: Request,
    user: User,
    web: WebDep,
    waiting: bool = False,
) -> Response:
    notices: list[tuple[int, dict[str, Any]]] = []
    for booking in web.store.latest_bookings(_BOOKINGS):
        for delivery in web.store.deliveries(booking.id):
            if waiting and delivery.delivered_at is not None:
                continue
            attempts = web.store.delivery_attempts(delivery.id)
            shown = {"booking": booking, "delivery": delivery, "attempts": attempts}
            notices.append((delivery.id, shown))
    notices.sort(key=lambda pair: pair[0], reverse=True)
    context = {"notices": [shown for _, shown in notices], "waiting": waiting, "read": _BOOKINGS}
    return render(web, request, "webhooks.html", context)
