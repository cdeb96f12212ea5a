"""The HTTP API under ``/api``: every route needs an API token (``api_reader``), and
actions an operator token (``api_operator``)."""

from __future__ import annotations

from fastapi import APIRouter

from koppel.web.api._activity import router as activity_router
from koppel.web.api._audit import router as audit_router
from koppel.web.api._bookings import router as bookings_router
from koppel.web.api._flows import router as flows_router
from koppel.web.api._models import Responses
from koppel.web.api._parked import router as parked_router
from koppel.web.api._records import router as records_router

__all__ = ["router"]

#: Answers every route documents besides its own.
_COMMON: Responses = {
    401: {"description": "No API token, or an unknown or revoked one."},
}

router = APIRouter(prefix="/api", responses=_COMMON)
for part in (
    flows_router,
    records_router,
    activity_router,
    parked_router,
    bookings_router,
    audit_router,
):
    router.include_router(part)
