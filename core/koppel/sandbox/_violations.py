"""Requests that break a contract: the refusal, the neutral error body, and watching for them."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import attrs
import httpx

from koppel.sandbox._check import Violation
from koppel.sandbox._contract import Endpoint

__all__ = ["ContractLog", "ContractRefused", "problem_response", "watch_contracts"]

#: What :attr:`ContractLog.exercised` holds for an endpoint that was called.
CALLED = ""


class ContractRefused(Exception):
    """Raised in a handler (or by :meth:`Sandbox.enforce`) to refuse a request that
    breaks its contract; the sandbox answers with :meth:`Sandbox.contract_refused`."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = tuple(violations)


def _pointer(path: str) -> str:
    steps = re.findall(r"[^.\[\]]+", path)
    return "#/" + "/".join(step.replace("~", "~0").replace("/", "~1") for step in steps)


def problem_response(violations: Sequence[Violation], status: int = 400) -> httpx.Response:
    """The neutral refusal: an RFC 9457 problem with one entry per violation.

    ``{"type": "about:blank", "title": "Bad Request", "status": 400, "detail": ...,
    "errors": [{"detail": ..., "pointer": "#/Rows/2/Quantity"}]}`` (``parameter``
    instead of ``pointer`` for a query parameter).
    """
    errors = [
        {"detail": v.message, "parameter": v.path}
        if v.part == "query"
        else {"detail": v.message, "pointer": _pointer(v.path)}
        for v in violations
    ]
    body = {
        "type": "about:blank",
        "title": httpx.codes.get_reason_phrase(status),
        "status": status,
        "detail": "; ".join(v.message for v in violations),
        "errors": errors,
    }
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


@attrs.define
class ContractLog:
    """Contract violations and exercised fields, of one sandbox or of all while watched.

    ``exercised`` holds ``(endpoint key, "body:PATH" | "query:NAME")`` pairs, and
    ``(endpoint key, "")`` for an endpoint called.
    """

    violations: list[Violation] = attrs.field(factory=list)
    exercised: set[tuple[str, str]] = attrs.field(factory=set)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False, eq=False)

    def add(self, violations: Iterable[Violation], exercised: Iterable[tuple[str, str]]) -> None:
        """Record what one request broke and sent."""
        with self._lock:
            self.violations.extend(violations)
            self.exercised.update(exercised)

    def take(self) -> list[Violation]:
        """The violations so far, forgotten (a test that sent a bad request on purpose)."""
        with self._lock:
            taken, self.violations = self.violations, []
        return taken

    def unexercised(self, endpoints: Iterable[Endpoint]) -> list[str]:
        """Declared endpoints never called, and writable fields of called ones never sent."""
        missing: list[str] = []
        for endpoint in endpoints:
            if (endpoint.key, CALLED) not in self.exercised:
                missing.append(f"{endpoint.key}: never called")
                continue
            missing += [
                f"{endpoint.key}: {part.replace(':', ' ', 1)} never sent"
                for part in endpoint.declared()
                if (endpoint.key, part) not in self.exercised
            ]
        return missing


_watching: list[ContractLog] = []
_watching_lock = threading.Lock()


@contextmanager
def watch_contracts() -> Iterator[ContractLog]:
    """Collect what every sandbox in this process checks while inside (any thread)."""
    log = ContractLog()
    with _watching_lock:
        _watching.append(log)
    try:
        yield log
    finally:
        with _watching_lock:
            _watching.remove(log)


def publish(violations: Sequence[Violation], exercised: Iterable[tuple[str, str]]) -> None:
    """Hand one request's check to every :func:`watch_contracts` block open."""
    exercised = tuple(exercised)
    with _watching_lock:
        logs = tuple(_watching)
    for log in logs:
        log.add(violations, exercised)
