"""The activity log per flow and per record, searchable by order number, e-mail, SKU or
id; a record's page shows per entry what came from the source, what was sent and the
answer side by side (redacted, as the API shows them)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from koppel.web._context import Web
from koppel.web.api._activity import SEARCHED, search_activity
from koppel.web.api._flows import known_flow
from koppel.web.api._models import ActivityOut, ParkedOut
from koppel.web.pages._common import User, WebDep, render

__all__ = ["Shown", "record_entries", "router"]

router = APIRouter()

#: Entries a page lists.
_SHOWN = 200


@attrs.frozen
class Shown:
    """An activity entry as a record's page shows it: the entry (redacted) and its
    source, what was sent and the answer as indented JSON in the systems' own order."""

    entry: ActivityOut
    source: str | None
    sent: str | None
    answer: str | None

    @classmethod
    def of(cls, entry: ActivityOut) -> Shown:
        return cls(entry, _text(entry.source), _text(entry.sent), _text(entry.response))


def _text(data: Any) -> str | None:
    return None if data is None else json.dumps(data, indent=2, ensure_ascii=False, default=str)


def record_entries(web: Web, flow: str, record: str) -> list[Shown]:
    """Every kept entry of ``record`` in ``flow``, newest first."""
    entries = web.store.activity(record_id=record, flow=flow, limit=_SHOWN)
    return [Shown.of(ActivityOut.of(entry)) for entry in reversed(entries)]


@router.get("/activity")
def activity_page(
    request: Request,
    user: User,
    web: WebDep,
    flow: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    failed: bool = False,
) -> Response:
    flow = flow or None
    needle = (q or "").strip() or None
    if flow is not None:
        known_flow(web, flow)
    found = search_activity(web.store, flow=flow, q=needle, failed=failed, limit=_SHOWN)
    return render(
        web,
        request,
        "activity.html",
        {
            "entries": [ActivityOut.of(entry) for entry in found],
            "flows": web.flow_names(),
            "flow": flow,
            "q": needle or "",
            "failed": failed,
            "shown": _SHOWN,
            "searched": SEARCHED,
        },
    )


@router.get("/activity/record")
def record_page(
    request: Request,
    user: User,
    web: WebDep,
    flow: Annotated[str, Query(min_length=1, max_length=200)],
    record: Annotated[str, Query(min_length=1, max_length=500)],
) -> Response:
    known_flow(web, flow)
    parked = [ParkedOut.of(p) for p in web.store.parked(flow) if p.source_id == record]
    return render(
        web,
        request,
        "record.html",
        {
            "flow": flow,
            "record": record,
            "entries": record_entries(web, flow, record),
            "parked": parked,
        },
    )
