"""What the API's routes depend on: the app's state and the caller, by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from koppel.web._accounts import Principal
from koppel.web._context import Web, get_web
from koppel.web.auth import api_operator, api_reader

__all__ = ["Operator", "Reader", "WebDep"]

#: A caller with a valid token or session, any role (401 otherwise).
Reader = Annotated[Principal, Depends(api_reader)]
#: A caller allowed to act (403 for a read-only one).
Operator = Annotated[Principal, Depends(api_operator)]
#: The served app's :class:`~koppel.web.Web`.
WebDep = Annotated[Web, Depends(get_web)]
