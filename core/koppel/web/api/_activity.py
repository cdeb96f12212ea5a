"""``/api/activity``: the activity log, per flow and record, searchable (redacted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query

from koppel.state import ActivityEntry, StateStore
from koppel.web.api._deps import Reader, WebDep
from koppel.web.api._flows import known_flow
from koppel.web.api._models import ID_MAX, ActivityOut, Responses

__all__ = ["SEARCHED", "router", "search_activity"]

#: A search looks through this many of the newest entries (of the flow).
SEARCHED = 5000

router = APIRouter(tags=["activity"])

Search = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="an order number, e-mail address, SKU or id: entries whose record id "
        "or any value of what came in or was sent holds it (case does not matter)",
    ),
]
Limit = Annotated[int, Query(ge=1, le=1000)]
_NO_FLOW: Responses = {404: {"description": "No such flow."}}


def search_activity(
    store: StateStore,
    *,
    flow: str | None = None,
    q: str | None = None,
    record: str | None = None,
    run: int | None = None,
    failed: bool = False,
    limit: int = 100,
) -> list[ActivityEntry]:
    """The newest ``limit`` entries that match, newest first; ``q`` searches the newest
    :data:`SEARCHED` of them for a record id or value holding it."""
    if q is None:
        entries = store.activity(run, failed_only=failed, record_id=record, flow=flow, limit=limit)
        return entries[::-1]
    entries = store.activity(run, failed_only=failed, record_id=record, flow=flow, limit=SEARCHED)
    needle = q.casefold()
    found = [entry for entry in reversed(entries) if _holds(entry, needle)]
    return found[:limit]


def _holds(entry: ActivityEntry, needle: str) -> bool:
    if entry.record_id is not None and needle in entry.record_id.casefold():
        return True
    return any(_value_holds(data, needle) for data in (entry.source, entry.sent))


def _value_holds(value: Any, needle: str) -> bool:
    if isinstance(value, Mapping):
        return any(_value_holds(item, needle) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_value_holds(item, needle) for item in value)
    return value is not None and needle in str(value).casefold()


@router.get("/activity", summary="The activity log of every flow")
def activity(
    _who: Reader,
    web: WebDep,
    q: Search = None,
    record: Annotated[str | None, Query(description="only this source record id")] = None,
    run: Annotated[int | None, Query(ge=1, le=ID_MAX, description="only this run")] = None,
    failed: Annotated[bool, Query(description="only records that failed")] = False,
    limit: Limit = 100,
) -> list[ActivityOut]:
    """Per record and run: the action, what came from the source, what was sent and the
    answer, newest first. Secrets were redacted before anything was stored."""
    found = search_activity(web.store, q=q, record=record, run=run, failed=failed, limit=limit)
    return [ActivityOut.of(entry) for entry in found]


@router.get(
    "/flows/{flow}/activity",
    summary="A flow's activity log",
    responses=_NO_FLOW,
)
def flow_activity(
    flow: str,
    _who: Reader,
    web: WebDep,
    q: Search = None,
    record: Annotated[str | None, Query(description="only this source record id")] = None,
    run: Annotated[int | None, Query(ge=1, le=ID_MAX, description="only this run")] = None,
    failed: Annotated[bool, Query(description="only records that failed")] = False,
    limit: Limit = 100,
) -> list[ActivityOut]:
    """As ``/api/activity``, for one flow."""
    known_flow(web, flow)
    found = search_activity(
        web.store, flow=flow, q=q, record=record, run=run, failed=failed, limit=limit
    )
    return [ActivityOut.of(entry) for entry in found]
