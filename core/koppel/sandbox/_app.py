"""An emulated API: routes over a store, with latency, rate limits, faults and call counts."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import attrs
import httpx

from koppel.http import SYSTEM_CLOCK, Clock
from koppel.sandbox._check import Violation
from koppel.sandbox._contract import Contract, Endpoint
from koppel.sandbox._limits import (
    BEFORE_HANDLER_KINDS,
    Faults,
    SandboxRateLimit,
    fault_response,
)
from koppel.sandbox._store import Store
from koppel.sandbox._violations import (
    CALLED,
    ContractLog,
    ContractRefused,
    problem_response,
    publish,
)

if TYPE_CHECKING:
    from koppel.sandbox._oauth import OAuthEmulator
    from koppel.sandbox._server import SandboxServer

__all__ = ["BadRequest", "Handler", "Sandbox", "SandboxRequest", "json_response"]


class BadRequest(Exception):
    """Raised by a handler (or ``SandboxRequest.json``) to answer 400 with this message."""


@attrs.frozen(kw_only=True)
class SandboxRequest:
    """What a route handler sees of a request."""

    method: str
    path: str
    params: Mapping[str, str]
    path_params: Mapping[str, str]
    headers: httpx.Headers
    content: bytes
    raw: httpx.Request = attrs.field(repr=False)

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when empty).

        :raises BadRequest: when the body is not JSON, so the client gets a 400.
        """
        try:
            return json.loads(self.content) if self.content else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(f"the request body is not valid JSON: {exc}") from None

    @property
    def form(self) -> dict[str, str]:
        """The body parsed as an HTML form."""
        return dict(parse_qsl(self.content.decode("utf-8"), keep_blank_values=True))


Handler = Callable[[SandboxRequest], Any]


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A JSON response; handlers may also return a dict or list for a 200."""
    return httpx.Response(status, json=data, headers=dict(headers or {}))


@attrs.frozen
class _Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool
    limited: bool
    contract: Endpoint | None = None


def _compile(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", pattern)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}/?$")


class Sandbox:
    """An in-process emulator of one system's API.

    Define routes with :meth:`route`; use it through :meth:`transport` (an
    ``httpx.MockTransport``) or over HTTP on loopback with :meth:`serve`. A
    plugin's subclass may override :meth:`rate_limited` (its API's 429),
    :meth:`throttle` (a rate limit ``rate_limit`` cannot describe),
    :meth:`connection_settings` (how a flow's connection reaches it served) and
    :meth:`contract_refused` (its API's answer to a request that breaks a contract).

    :param name: the system's name.
    :param base_url: the URL a client of this sandbox uses (any host works in-process).
    :param clock: time for latency and rate-limit windows (a fake one in tests).
    :param latency: seconds every call takes (slept on ``clock``).
    :param rate_limit: limits answered with the real headers and 429s.
    :param faults: faults injected at a seeded rate, or queued with ``faults.inject``.
    :param oauth: an OAuth token endpoint emulation; routes with ``auth=True``
        then need a valid bearer token.
    :param authenticate: a check for non-OAuth credentials: returns an error
        response, or None when the request may pass.
    :param credentials: the credentials ``koppel run --sandbox`` gives a connection of
        this system in place of the flow's (an API key or token the sandbox accepts),
        so that no environment variable is needed.
    """

    def __init__(
        self,
        name: str,
        *,
        base_url: str = "https://sandbox.invalid",
        clock: Clock = SYSTEM_CLOCK,
        latency: float = 0.0,
        rate_limit: SandboxRateLimit | None = None,
        faults: Faults | None = None,
        oauth: OAuthEmulator | None = None,
        authenticate: Callable[[SandboxRequest], httpx.Response | None] | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.clock = clock
        self.latency = latency
        self.rate_limit = rate_limit
        self.faults = faults or Faults()
        self.oauth = oauth
        self.authenticate = authenticate
        self.credentials = dict(credentials or {})
        self.store = Store()
        self.calls: Counter[tuple[str, str]] = Counter()
        #: Answers by status code (a fault that breaks the connection has none).
        self.statuses: Counter[int] = Counter()
        #: Faults that struck: (kind, after the route ran) -> count.
        self.faults_struck: Counter[tuple[str, bool]] = Counter()
        #: Contract violations of the requests checked, and the fields they sent.
        self.contracts = ContractLog()
        self._routes: list[_Route] = []
        self._lock = threading.RLock()
        if oauth is not None:
            oauth.install(self)

    # -- definition --------------------------------------------------------

    def route(
        self,
        method: str,
        pattern: str,
        *,
        auth: bool = True,
        limited: bool = True,
        contract: Endpoint | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorator: ``handler(request)`` answers ``method pattern``.

        ``{name}`` in ``pattern`` matches one path segment, passed in
        ``request.path_params``. ``auth=False`` skips the credential check,
        ``limited=False`` the rate limit (token endpoints). With a ``contract``
        (the :class:`Endpoint` of ``method pattern``) each request is checked
        (:meth:`enforce`) before the handler sees it.
        """

        def register(handler: Handler) -> Handler:
            self.add_route(method, pattern, handler, auth=auth, limited=limited, contract=contract)
            return handler

        return register

    def add_route(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        auth: bool = True,
        limited: bool = True,
        contract: Endpoint | None = None,
    ) -> None:
        """Register ``handler`` for ``method pattern`` (see :meth:`route`)."""
        method = method.upper()
        if contract is not None and (contract.method, contract.pattern) != (method, pattern):
            raise ValueError(f"the route {method} {pattern} has the contract of {contract.key}")
        route = _Route(method, pattern, _compile(pattern), handler, auth, limited, contract)
        self._routes.append(route)

    # -- serving -----------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An ``httpx.MockTransport`` answering from this sandbox."""
        return httpx.MockTransport(self.handle)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Serve over HTTP on ``host:port`` in a background thread (0 picks a free port)."""
        from koppel.sandbox._server import SandboxServer

        return SandboxServer(self, host, port).start()

    def count(self, method: str, pattern: str) -> int:
        """How many calls reached ``method pattern`` (faulted and limited ones included)."""
        return self.calls[(method.upper(), pattern)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as the emulated API would."""
        if self.latency > 0:
            self.clock.sleep(self.latency)
        response = self._respond(request)
        with self._lock:
            self.statuses[response.status_code] += 1
        return response

    def rate_limited(self, headers: Mapping[str, str]) -> httpx.Response:
        """The ``429`` this API answers when its rate limit is spent.

        ``headers`` holds ``Retry-After`` and any budget headers; a sandbox of an
        API that answers otherwise overrides this (a 429 fault answers with it too).
        """
        response = self.error_response(429, "API rate limit exceeded")
        response.headers.update(headers)
        return response

    def error_response(self, status: int, message: str) -> httpx.Response:
        """The API's answer for an error core's toolkit raises: no such route (404,
        405), a body that is not JSON (400), a 429, an injected 5xx fault.

        A neutral RFC 9457 problem by default; a plugin's sandbox overrides it to
        answer in its API's own error shape.
        """
        body = {
            "type": "about:blank",
            "title": httpx.codes.get_reason_phrase(status),
            "status": status,
            "detail": message,
        }
        return httpx.Response(
            status, json=body, headers={"Content-Type": "application/problem+json"}
        )

    def throttle(self, request: httpx.Request) -> httpx.Response | None:
        """An API's own rate limit, where ``rate_limit`` cannot describe it: the 429
        to answer ``request`` with, or None to let it pass (the default)."""
        return None

    def connection_settings(self, url: str) -> dict[str, Any]:
        """The settings that point a flow's connection at this sandbox served on ``url``.

        Empty by default; a plugin's sandbox names its own (``api_url``, ``base_url``, ...).
        """
        return {}

    def _respond(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        route, path_params = self._match(request.method, path)
        with self._lock:
            self.calls[(request.method, route.pattern if route else path)] += 1
            if route is None:
                allowed = [r.method for r in self._routes if r.regex.match(path)]
                status = 405 if allowed else 404
                return self.error_response(status, f"no route {request.method} {path}")
            if route.limited:
                refused = self.throttle(request)
                if refused is not None:
                    return refused
            limit_headers: dict[str, str] = {}
            if route.limited and self.rate_limit is not None:
                ok, limit_headers = self.rate_limit.check(self.clock.now())
                if not ok:
                    return self.rate_limited(limit_headers)
            fault = self.faults.draw() if route.limited else None
            after = fault is not None and fault[1] and fault[0] not in BEFORE_HANDLER_KINDS
            if fault is not None:
                self.faults_struck[(fault[0], after)] += 1
                if not after:
                    return self._fault(fault[0], request, limit_headers)
            sandbox_request = SandboxRequest(
                method=request.method,
                path=path,
                params=dict(request.url.params),
                path_params=path_params,
                headers=request.headers,
                content=request.read(),
                raw=request,
            )
            denied = self._check_auth(route, sandbox_request)
            if denied is not None:
                return self._with_headers(denied, limit_headers)
            try:
                if route.contract is not None:
                    sandbox_request = self.enforce(route.contract, sandbox_request)
                response = self._as_response(route.handler(sandbox_request))
            except BadRequest as exc:
                response = self.error_response(400, str(exc))
            except ContractRefused as exc:
                response = self.contract_refused(exc.violations)
            if fault is not None:
                return self._fault(fault[0], request, limit_headers, response)
            return self._with_headers(response, limit_headers)

    # -- contracts ---------------------------------------------------------

    @property
    def violations(self) -> list[Violation]:
        """Every contract violation of the requests checked so far, refused or ignored."""
        return self.contracts.violations

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        """The answer to a request that breaks its contract, as the API refuses it.

        ``violations`` holds the refused ones. A neutral RFC 9457 problem
        (:func:`problem_response`) by default; a plugin's sandbox answers with its
        API's own status and error body.
        """
        return problem_response(violations)

    def enforce(self, endpoint: Endpoint, request: SandboxRequest) -> SandboxRequest:
        """Check ``request`` against ``endpoint`` and record the result in :attr:`contracts`.

        A handler that serves several endpoints calls it with the one it serves
        (``ApiContract.match``); a route with a ``contract`` does it by itself.

        :returns: the request without the fields the API ignores.
        :raises ContractRefused: when the API refuses it.
        """
        seen: set[str] = set()
        try:
            body = request.json if endpoint.body is not None else None
        except BadRequest as exc:
            body = None
            broken = [Violation(kind="not_json", path="", message=str(exc), endpoint=endpoint.key)]
        else:
            broken = endpoint.check(body, request.params, seen=seen)
        self._record(broken, [(endpoint.key, CALLED), *((endpoint.key, s) for s in seen)])
        refused = [v for v in broken if v.refused]
        if refused:
            raise ContractRefused(refused)
        if endpoint.body is None or not broken:
            return request
        content = json.dumps(endpoint.body.strip(body)).encode("utf-8")
        return attrs.evolve(request, content=content)

    def enforce_value(
        self, contract: Contract, value: Any, *, path: str = "", endpoint: str = ""
    ) -> Any:
        """Check one value (an object a handler decoded) against ``contract``, as
        :meth:`enforce` does; ``endpoint`` names it in violations and exercised fields.

        :returns: ``value`` without the fields the API ignores.
        :raises ContractRefused: when the API refuses it.
        """
        seen: set[str] = set()
        broken = [
            attrs.evolve(v, endpoint=endpoint) for v in contract.check(value, path=path, seen=seen)
        ]
        self._record(broken, [(endpoint, CALLED), *((endpoint, f"body:{s}") for s in seen)])
        refused = [v for v in broken if v.refused]
        if refused:
            raise ContractRefused(refused)
        return contract.strip(value)

    def unexercised(self, endpoints: Iterable[Endpoint] | None = None) -> list[str]:
        """Declared endpoints never called and writable fields never sent, for
        ``endpoints`` (the routes' contracts by default)."""
        if endpoints is None:
            endpoints = [r.contract for r in self._routes if r.contract is not None]
        return self.contracts.unexercised(endpoints)

    def _record(self, broken: Sequence[Violation], exercised: Sequence[tuple[str, str]]) -> None:
        self.contracts.add(broken, exercised)
        publish(broken, exercised)

    def _fault(
        self,
        kind: str,
        request: httpx.Request,
        limit_headers: Mapping[str, str],
        answer: httpx.Response | None = None,
    ) -> httpx.Response:
        if kind in ("500", "502", "503", "504"):
            error = self.error_response(int(kind), f"sandbox fault: HTTP {kind}")
            return self._with_headers(error, limit_headers)
        if kind != "429":
            return self._with_headers(fault_response(kind, request, answer), limit_headers)
        wait = self.faults.retry_after
        headers = {**limit_headers, "Retry-After": str(wait)}
        if self.rate_limit is not None:
            headers.update(self.rate_limit.spent_headers(self.clock.now(), wait))
        return self.rate_limited(headers)

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            if route.method == method.upper():
                found = route.regex.match(path)
                if found:
                    return route, found.groupdict()
        return None, {}

    def _check_auth(self, route: _Route, request: SandboxRequest) -> httpx.Response | None:
        if not route.auth:
            return None
        if self.oauth is not None:
            denied = self.oauth.check(request)
            if denied is not None:
                return denied
        if self.authenticate is not None:
            return self.authenticate(request)
        return None

    @staticmethod
    def _as_response(result: Any) -> httpx.Response:
        if isinstance(result, httpx.Response):
            return result
        if isinstance(result, tuple):
            status, body = result
            return json_response(body, status)
        return json_response(result)

    @staticmethod
    def _with_headers(response: httpx.Response, headers: Mapping[str, str]) -> httpx.Response:
        response.headers.update(headers)
        return response
