"""``/api/parked``: records that failed and wait for a retry; retry them now, or discard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from koppel.errors import StateError
from koppel.web._accounts import record_action
from koppel.web.api._deps import Operator, Reader, WebDep
from koppel.web.api._flows import known_flow, launch
from koppel.web.api._models import (
    LaunchOut,
    ParkedActionOut,
    ParkedOut,
    PathId,
    Responses,
    StoreId,
)

__all__ = ["RetryIn", "router"]

router = APIRouter(tags=["parked"])


class RetryIn(BaseModel):
    """Which parked records of the flow to retry, and whether to run the flow now."""

    ids: list[StoreId] | None = Field(default=None, description="none: every parked record")
    run: bool = Field(default=True, description="run the flow now (else the next run)")


@router.get("/parked", summary="Parked records")
def list_parked(
    _who: Reader,
    web: WebDep,
    flow: Annotated[str | None, Query(description="only this flow's")] = None,
) -> list[ParkedOut]:
    """Every parked record (of ``flow``), oldest first, with the source record."""
    return [ParkedOut.of(record) for record in web.store.parked(flow)]


@router.get(
    "/parked/{parked_id}",
    summary="One parked record",
    responses={404: {"description": "No such parked record."}},
)
def get_parked(parked_id: PathId, _who: Reader, web: WebDep) -> ParkedOut:
    for record in web.store.parked():
        if record.id == parked_id:
            return ParkedOut.of(record)
    raise HTTPException(404, f"no parked record {parked_id}")


_RETRY: Responses = {
    403: {"description": "The token is read-only."},
    404: {"description": "No such flow, or a parked record of another flow or none."},
    409: {"description": "This server runs the flow already (the records are due)."},
}


@router.post("/flows/{flow}/parked/retry", summary="Retry parked records", responses=_RETRY)
def retry(flow: str, body: RetryIn, who: Operator, web: WebDep) -> ParkedActionOut:
    """Make the flow's parked records (all, or ``ids``) due now and, with ``run``, start a
    run of the flow: it retries them and reads what changed in the source, so a record
    fixed there lands with its fixed data, once."""
    if body.run:
        web.flow(flow)
    else:
        known_flow(web, flow)
    held = {record.id for record in web.store.parked(flow)}
    wanted = sorted(held) if body.ids is None else sorted(set(body.ids))
    missing = [parked_id for parked_id in wanted if parked_id not in held]
    if missing:
        raise HTTPException(
            404, f"flow {flow!r} has no parked record {', '.join(map(str, missing))}"
        )
    web.store.mark_due(wanted, flow=flow)
    record_action(web.store, who, "parked.retry", {"parked": wanted}, flow=flow)
    started = None
    if body.run:
        launched = launch(web, flow, who)
        started = LaunchOut(flow=flow, via=launched.via, job=launched.job)
    return ParkedActionOut(flow=flow, parked=wanted, run=started)


@router.post(
    "/parked/{parked_id}/discard",
    summary="Discard a parked record",
    responses={
        403: {"description": "The token is read-only."},
        404: {"description": "No such parked record."},
    },
)
def discard(parked_id: PathId, who: Operator, web: WebDep) -> ParkedActionOut:
    """Give up on a parked record; the activity log keeps a "discard" entry."""
    flow = next((r.flow for r in web.store.parked() if r.id == parked_id), None)
    try:
        web.store.discard(parked_id)
    except StateError as exc:
        raise HTTPException(404, exc.message) from None
    record_action(web.store, who, "parked.discard", {"parked": [parked_id]}, flow=flow)
    return ParkedActionOut(flow=flow or "", parked=[parked_id])
