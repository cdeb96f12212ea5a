"""Parked records: the list, one record with what came in, what was sent and the answer,
and the operators' retry (now, with a run of the flow) and discard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from koppel.errors import StateError
from koppel.web._accounts import record_action
from koppel.web._context import Web
from koppel.web.api._models import ParkedOut
from koppel.web.pages._activity import record_entries
from koppel.web.pages._common import Operator, User, WebDep, back, render
from koppel.web.pages._flows import start_run

__all__ = ["router"]

router = APIRouter()


def _one(web: Web, parked_id: int) -> ParkedOut:
    for record in web.store.parked():
        if record.id == parked_id:
            return ParkedOut.of(record)
    raise HTTPException(404, f"no parked record {parked_id}: it landed, or was discarded")


@router.get("/parked")
def parked_page(
    request: Request,
    user: User,
    web: WebDep,
    flow: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    records = [ParkedOut.of(record) for record in web.store.parked(flow or None)]
    by_flow: dict[str, list[ParkedOut]] = {}
    for record in records:
        by_flow.setdefault(record.flow, []).append(record)
    return render(
        web,
        request,
        "parked.html",
        {"by_flow": by_flow, "flow": flow or None, "served": set(web.flows)},
    )


@router.get("/parked/{parked_id}")
def parked_record_page(parked_id: int, request: Request, user: User, web: WebDep) -> Response:
    record = _one(web, parked_id)
    return render(
        web,
        request,
        "parked_record.html",
        {
            "record": record,
            "entries": record_entries(web, record.flow, record.record),
            "served": record.flow in web.flows,
        },
    )


@router.post("/parked/retry")
def retry(
    request: Request,
    user: Operator,
    web: WebDep,
    flow: Annotated[str, Form(min_length=1, max_length=200)],
    ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Make the chosen parked records of ``flow`` (none chosen: all) due now and run the
    flow: it retries them with what the source and the flow file say now."""
    held = {record.id for record in web.store.parked(flow)}
    wanted = sorted(held if not ids else set(ids))
    missing = [parked_id for parked_id in wanted if parked_id not in held]
    if missing:
        return back(
            request,
            "/parked",
            "error",
            f"{flow} has no parked record {', '.join(map(str, missing))} (any more)",
        )
    if not wanted:
        return back(request, "/parked", "info", f"{flow} has no parked records")
    web.store.mark_due(wanted, flow=flow)
    record_action(web.store, user, "parked.retry", {"parked": wanted}, flow=flow)
    if flow not in web.flows:
        return back(
            request,
            "/parked",
            "ok",
            f"{len(wanted)} parked record(s) of {flow} are due: its next run retries them",
        )
    return start_run(request, web, flow, user, "run.start")


@router.post("/parked/{parked_id}/discard")
def discard(parked_id: int, request: Request, user: Operator, web: WebDep) -> Response:
    """Give up on a parked record; the activity log keeps a "discard" entry."""
    record = _one(web, parked_id)
    try:
        web.store.discard(parked_id)
    except StateError as exc:
        return back(request, "/parked", "error", exc.message)
    record_action(web.store, user, "parked.discard", {"parked": [parked_id]}, flow=record.flow)
    return back(request, "/parked", "ok", f"discarded parked record {parked_id} ({record.record})")
