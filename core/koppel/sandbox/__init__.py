"""Toolkit for in-process emulators of the systems' APIs.

A plugin defines its system's API as routes over an in-memory store::

    from koppel.sandbox import Sandbox, SandboxRateLimit, json_response

    def make_sandbox(seed: int = 0) -> Sandbox:
        sandbox = Sandbox("acme", rate_limit=SandboxRateLimit(per_minute=60))
        sandbox.store.seed("customers", [{"id": "1", "email": "ann@example.com"}])

        @sandbox.route("GET", "/customers/{id}")
        def get_customer(request):
            found = sandbox.store["customers"].get(request.path_params["id"])
            return found or json_response({"message": "not found"}, 404)

        return sandbox

and answers the ``koppel_sandbox`` hook with it. Tests use
``sandbox.transport()``; ``koppel sandbox serve acme --port 8765`` serves it on
loopback (with test-only inspection routes under ``/_sandbox/``), and
:func:`point_flow` copies a flow file with its connections pointed at served
sandboxes (:class:`SandboxEndpoint`).
"""

from __future__ import annotations

from koppel.sandbox._app import BadRequest, Handler, Sandbox, SandboxRequest, json_response
from koppel.sandbox._endpoint import SandboxEndpoint
from koppel.sandbox._inspect import INSPECTION_PREFIX, inspection_answer
from koppel.sandbox._limits import FAULT_KINDS, Faults, SandboxRateLimit
from koppel.sandbox._oauth import OAuthEmulator
from koppel.sandbox._point import SERVED_STATE, PointedFlow, point_flow
from koppel.sandbox._registry import attach_sandbox, sandbox_for
from koppel.sandbox._server import SandboxServer
from koppel.sandbox._store import Collection, Store

__all__ = [
    "FAULT_KINDS",
    "INSPECTION_PREFIX",
    "SERVED_STATE",
    "BadRequest",
    "Collection",
    "Faults",
    "Handler",
    "OAuthEmulator",
    "PointedFlow",
    "Sandbox",
    "SandboxEndpoint",
    "SandboxRateLimit",
    "SandboxRequest",
    "SandboxServer",
    "Store",
    "attach_sandbox",
    "inspection_answer",
    "json_response",
    "point_flow",
    "sandbox_for",
]
