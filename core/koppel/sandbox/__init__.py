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

A route can declare the facts of the real API it emulates (:class:`Endpoint`,
:class:`Contract`, :class:`Field`, each with its :class:`Source`): a request
that breaks them is answered as the API refuses it (:meth:`Sandbox.contract_refused`)
and recorded in ``sandbox.violations``; :meth:`Contract.shape` pads answers;
:func:`facts_table` lists the facts with their sources for the docs.
"""

from __future__ import annotations

from koppel.sandbox._app import BadRequest, Handler, Sandbox, SandboxRequest, json_response
from koppel.sandbox._check import Violation, ViolationKind
from koppel.sandbox._contract import (
    FIELD_TYPES,
    ApiContract,
    Contract,
    Endpoint,
    Field,
    FieldType,
    OnBreach,
    Source,
)
from koppel.sandbox._endpoint import SandboxEndpoint
from koppel.sandbox._facts import facts_table
from koppel.sandbox._inspect import INSPECTION_PREFIX, inspection_answer
from koppel.sandbox._limits import FAULT_KINDS, Faults, SandboxRateLimit
from koppel.sandbox._oauth import OAuthEmulator
from koppel.sandbox._point import SERVED_STATE, PointedFlow, point_flow
from koppel.sandbox._registry import attach_sandbox, sandbox_for
from koppel.sandbox._server import SandboxServer
from koppel.sandbox._store import Collection, Store
from koppel.sandbox._violations import (
    ContractLog,
    ContractRefused,
    problem_response,
    watch_contracts,
)

__all__ = [
    "FAULT_KINDS",
    "FIELD_TYPES",
    "INSPECTION_PREFIX",
    "SERVED_STATE",
    "ApiContract",
    "BadRequest",
    "Collection",
    "Contract",
    "ContractLog",
    "ContractRefused",
    "Endpoint",
    "Faults",
    "Field",
    "FieldType",
    "Handler",
    "OAuthEmulator",
    "OnBreach",
    "PointedFlow",
    "Sandbox",
    "SandboxEndpoint",
    "SandboxRateLimit",
    "SandboxRequest",
    "SandboxServer",
    "Source",
    "Store",
    "Violation",
    "ViolationKind",
    "attach_sandbox",
    "facts_table",
    "inspection_answer",
    "json_response",
    "point_flow",
    "problem_response",
    "sandbox_for",
    "watch_contracts",
]
