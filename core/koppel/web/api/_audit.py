"""``/api/audit``: the audit trail: who did what, when, through the web or the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from koppel.web._accounts import audit_entries
from koppel.web.api._deps import Reader, WebDep
from koppel.web.api._models import ID_MAX, AuditOut

__all__ = ["router"]

router = APIRouter(tags=["audit"])


@router.get("/audit", summary="The audit trail")
def audit(
    _who: Reader,
    web: WebDep,
    flow: Annotated[str | None, Query(description="only actions on this flow")] = None,
    actor: Annotated[str | None, Query(description="only this actor's (user:anna)")] = None,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX, description="entries below")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """The newest actions first: runs started, retries, discards, pushes, exports, marks."""
    return [
        AuditOut(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            flow=entry.flow,
            details=dict(entry.details),
        )
        for entry in audit_entries(web.store, flow=flow, actor=actor, before=before, limit=limit)
    ]
