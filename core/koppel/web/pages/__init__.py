"""The dashboard's pages: server-rendered, signed-in users only, actions for operators.

One module per page; each has a router that :data:`router` includes, and templates in
``koppel/web/templates/``. What a page route gets: ``koppel/web/README-dev.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from koppel.web.pages._activity import router as activity_router
from koppel.web.pages._flows import router as flows_router
from koppel.web.pages._parked import router as parked_router
from koppel.web.pages._purchase import router as purchase_router
from koppel.web.pages._relations import router as relations_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for part in (flows_router, activity_router, parked_router, relations_router, purchase_router):
    router.include_router(part)
