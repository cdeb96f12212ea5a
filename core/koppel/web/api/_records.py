"""``POST /api/flows/{flow}/records``: push canonical records into a flow whose source is
the built-in ``push`` system."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from koppel.errors import ValidationError
from koppel.push import inbox_of, push_records, validate_pushed
from koppel.web._accounts import record_action
from koppel.web.api._deps import Operator, WebDep
from koppel.web.api._flows import PUSH_SYSTEM, launch
from koppel.web.api._models import LaunchOut, PushIn, PushOut, Responses

__all__ = ["router"]

router = APIRouter(tags=["records"])

_ANSWERS: Responses = {
    403: {"description": "The token is read-only."},
    404: {"description": "No such flow is served."},
    409: {"description": "The flow's source is not the push system (or it runs already)."},
    422: {"description": "A record is not the entity's canonical record; nothing was kept."},
}


@router.post("/flows/{flow}/records", summary="Push records into a flow", responses=_ANSWERS)
def push(
    flow: str,
    body: PushIn,
    who: Operator,
    web: WebDep,
    run: Annotated[bool, Query(description="start a run of the flow afterwards")] = False,
) -> PushOut:
    """Validate each record as the canonical record of the flow's entity and keep them,
    all or none, in the flow's push inbox; the flow's next run processes them like any
    source records. A record pushed again unchanged is kept once and lands once."""
    definition = web.flow(flow)
    if definition.source.system != PUSH_SYSTEM:
        raise HTTPException(
            409,
            f"flow {flow!r} reads from {definition.source.system!r}; records can be pushed "
            f'only into a flow whose source connection has system = "{PUSH_SYSTEM}"',
        )
    checked: list[tuple[str, dict[str, object]]] = []
    problems: list[dict[str, object]] = []
    for index, data in enumerate(body.records):
        try:
            checked.append(validate_pushed(definition.entity, data))
        except ValidationError as exc:
            field = str(exc.context.get("field") or "")
            problems.append(
                {
                    "loc": ["body", "records", index, *[p for p in field.split(".") if p]],
                    "msg": exc.message,
                    "type": "value_error",
                }
            )
    if problems:
        raise HTTPException(422, problems)
    inbox = inbox_of(definition.source.name, definition.source.settings)
    kept = push_records(web.store, inbox, definition.entity, checked, pushed_by=who.actor)
    counts = {"new": kept.new, "changed": kept.changed, "unchanged": kept.unchanged}
    record_action(web.store, who, "records.push", {"records": len(checked), **counts}, flow=flow)
    started: LaunchOut | None = None
    if run:
        launched = launch(web, flow, who)
        started = LaunchOut(flow=flow, via=launched.via, job=launched.job)
    return PushOut(flow=flow, entity=definition.entity, run=started, **counts)
