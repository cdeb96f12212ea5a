"""The HTTP API under ``/api``: every route needs an API token (``api_reader``), and
actions an operator token (``api_operator``)."""

from __future__ import annotations

from fastapi import APIRouter

from koppel.web.api._flows import router as flows_router
from koppel.web.api._models import Responses

__all__ = ["router"]

#: Answers every route documents besides its own.
_COMMON: Responses = {
    401: {"description": "No API token, or an unknown or revoked one."},
}

router = APIRouter(prefix="/api", responses=_COMMON)
router.include_router(flows_router)
