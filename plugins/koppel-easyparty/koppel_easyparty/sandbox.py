"""An emulator of EasyParty's API as facts.py assumes it, on :mod:`koppel.sandbox`.

It does what facts.py records, and refuses what it says the API refuses:

- every call needs ``Authorization: Bearer`` with the demo's API key (401 otherwise);
- ``GET /relations`` (``changed_since``), ``/events`` (``status``) and ``/invoices``
  (``draft``) answer pages ``{"data", "meta": {"page", "per_page", "total", "pages"}}``,
  relations oldest change first, ties by id; ``per_page`` above the maximum is a 400;
- ``GET /relations/{id}`` answers one relation, or 404;
- ``PATCH /relations/{id}`` sets a debtor or creditor number and the sync message. A
  number is refused for a side the relation is not on, when the relation has another
  one already, or when another relation has it (409); a number changes the relation's
  ``changed_at``, a sync message does not.

Errors are ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from koppel.sandbox import Sandbox, SandboxRateLimit, SandboxRequest, Violation, json_response
from koppel_easyparty import facts
from koppel_easyparty.client import CALLS_PER_MINUTE, SYSTEM
from koppel_easyparty.demo import DEMO_VOLUME, demo, iso

__all__ = ["DEMO_API_KEY", "DEMO_TENANT", "EasyPartySandbox", "make_sandbox"]

DEMO_API_KEY = "sandbox-easyparty-key"
DEMO_TENANT = "demo"
_PREFIX = "/api/v1"
_SIDES = {"debtor_number": "is_debtor", "creditor_number": "is_creditor"}
Row = dict[str, Any]


class EasyPartySandbox(Sandbox):
    """The EasyParty emulator."""

    def __init__(self, **options: Any) -> None:
        super().__init__(SYSTEM, authenticate=self.check_key, **options)

    def check_key(self, request: SandboxRequest) -> httpx.Response | None:
        """The 401 for a call without the demo's API key, or None to let it pass."""
        if request.headers.get("Authorization") != f"Bearer {DEMO_API_KEY}":
            return self.error_response(401, "Invalid API key.")
        return None

    def error_response(self, status: int, message: str) -> httpx.Response:
        code = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "conflict"}
        return json_response(
            {"error": {"code": code.get(status, "error"), "message": message}}, status
        )

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        message = "; ".join(f"{v.path or 'body'}: {v.message}" for v in violations)
        return self.error_response(400, message)

    def connection_settings(self, url: str) -> dict[str, Any]:
        return {"base_url": url.rstrip("/") + _PREFIX, "tenant": DEMO_TENANT}

    def now(self) -> str:
        """The sandbox clock's moment, as the API writes it."""
        return iso(datetime.fromtimestamp(self.clock.now(), UTC))


def make_sandbox(seed: int = 0, volume: int | None = None) -> EasyPartySandbox:
    """A fresh sandbox with the demo environment (``volume`` relations, default 40)."""
    box = EasyPartySandbox(
        base_url=facts.BASE_URL.replace("{tenant}", DEMO_TENANT),
        rate_limit=SandboxRateLimit(per_minute=CALLS_PER_MINUTE),
        credentials={"api_key": DEMO_API_KEY},
    )
    for name, rows in demo(seed, DEMO_VOLUME if volume is None else volume).items():
        box.store.seed(name, rows)
    _list(box, facts.RELATIONS, _relations_selected)
    _list(box, facts.EVENTS, lambda row, p: "status" not in p or row["status"] == p["status"])
    _list(
        box,
        facts.INVOICES,
        lambda row, p: "draft" not in p or str(row["draft"]).lower() == p["draft"],
    )
    _relation(box)
    return box


def _relations_selected(row: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    since = params.get("changed_since")
    return since is None or _moment(row["changed_at"]) >= _moment(since)


def _list(box: EasyPartySandbox, listed: facts.Listed, selected: Any) -> None:
    records = box.store[listed.name]

    def answer(request: SandboxRequest) -> Any:
        params = request.params
        try:
            page = int(params.get("page", "1"))
            per_page = int(params.get("per_page", str(facts.MAX_PAGE_SIZE)))
        except ValueError:
            return box.error_response(400, "page and per_page are whole numbers.")
        if page < 1 or not 1 <= per_page <= facts.MAX_PAGE_SIZE:
            return box.error_response(
                400, f"page starts at 1; per_page is 1 to {facts.MAX_PAGE_SIZE}."
            )
        rows = [row for row in records.all() if selected(row, params)]
        rows.sort(key=lambda row: (_moment(row.get("changed_at")), int(row["id"])))
        total = len(rows)
        pages = max(1, -(-total // per_page))
        data = rows[(page - 1) * per_page : page * per_page]
        meta = {"page": page, "per_page": per_page, "total": total, "pages": pages}
        return {"data": data, "meta": meta}

    endpoint = listed.endpoint
    box.add_route("GET", endpoint.pattern, answer, contract=endpoint)


def _relation(box: EasyPartySandbox) -> None:
    relations = box.store["relations"]
    pattern = f"{_PREFIX}/relations/{{id}}"

    def get(request: SandboxRequest) -> Any:
        row = relations.get(request.path_params["id"])
        if row is None:
            return box.error_response(404, f"Relation {request.path_params['id']} not found.")
        return row

    def patch(request: SandboxRequest) -> Any:
        key = request.path_params["id"]
        row = relations.get(key)
        if row is None:
            return box.error_response(404, f"Relation {key} not found.")
        body = request.json
        changes: Row = {}
        for field, side in _SIDES.items():
            if field not in body:
                continue
            refused = _refused_number(relations, row, field, side, str(body[field]))
            if refused:
                return box.error_response(409, refused)
            if row.get(field) != body[field]:
                changes[field] = body[field]
                changes["changed_at"] = box.now()
        if "sync_message" in body:
            changes["sync_message"] = body["sync_message"]
        return relations.update(key, changes) if changes else row

    box.add_route("GET", pattern, get, contract=facts.API.get("GET", pattern))
    box.add_route("PATCH", pattern, patch, contract=facts.API.get("PATCH", pattern))


def _refused_number(relations: Any, row: Row, field: str, side: str, number: str) -> str | None:
    """Why the API refuses ``number`` as ``row``'s ``field``, or None."""
    kind = field.removesuffix("_number")
    if not row.get(side):
        return f"Relation {row['id']} is no {kind}."
    if row.get(field) and row[field] != number:
        return f"Relation {row['id']} has {kind} number {row[field]} already; it cannot change."
    for other in relations.find(**{field: number}):
        if other["id"] != row["id"]:
            return f"The {kind} number {number} belongs to relation {other['id']}."
    return None


def _moment(value: Any) -> datetime:
    if not value:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
