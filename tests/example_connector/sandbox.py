"""Emulator of the shopdemo API: API-key auth, limit/offset and page/pagesize lists."""

from __future__ import annotations

from typing import Any

import httpx

from koppel.http import RateLimitHeaders
from koppel.sandbox import Sandbox, SandboxRateLimit, SandboxRequest, json_response

API_KEY = "demo-key-7f3a9c"
BASE_URL = "https://api.shopdemo.invalid"
HEADERS = RateLimitHeaders(
    minute_remaining="X-RateLimit-Remaining",
    minute_reset="X-RateLimit-Reset",
    day_remaining=None,
    day_reset=None,
    reset_unit="epoch_s",
)


def _error(status: int, message: str) -> httpx.Response:
    return json_response({"error": {"code": status, "message": message}}, status)


def make_sandbox(seed: int = 0) -> Sandbox:
    """A fresh shopdemo sandbox with 45 customers and 30 products of demo data."""

    def authenticate(request: SandboxRequest) -> httpx.Response | None:
        if request.headers.get("x-api-key") != API_KEY:
            return _error(401, "invalid API key")
        return None

    box = Sandbox(
        "shopdemo",
        base_url=BASE_URL,
        rate_limit=SandboxRateLimit(per_minute=600, headers=HEADERS),
        authenticate=authenticate,
    )
    box.store.seed(
        "customers",
        (
            {"name": f"Customer {seed}-{i}", "email": f"c{i}@example.com", "phone": None}
            for i in range(45)
        ),
    )
    box.store.seed(
        "products", ({"code": f"SKU-{i:03}", "title": f"Product {i}"} for i in range(30))
    )
    customers = box.store["customers"]

    @box.route("GET", "/v1/customers")
    def list_customers(request: SandboxRequest) -> Any:
        rows = customers.all()
        if "email" in request.params:
            rows = [r for r in rows if r["email"] == request.params["email"]]
        limit = min(int(request.params.get("limit", 20)), 20)
        offset = int(request.params.get("offset", 0))
        return {"items": rows[offset : offset + limit], "count": len(rows), "offset": offset}

    def validate(body: Any) -> httpx.Response | None:
        if not isinstance(body, dict) or not body.get("email"):
            return _error(422, "Field 'email' is required")
        return None

    @box.route("POST", "/v1/customers")
    def create_customer(request: SandboxRequest) -> Any:
        body = request.json
        problem = validate(body)
        if problem is not None:
            return problem
        if customers.find(email=body["email"]):
            return _error(409, f"A customer with e-mail {body['email']} exists")
        return json_response(customers.insert(body), 201)

    @box.route("PUT", "/v1/customers/{id}")
    def update_customer(request: SandboxRequest) -> Any:
        problem = validate(request.json)
        if problem is not None:
            return problem
        updated = customers.update(request.path_params["id"], request.json)
        return updated if updated is not None else _error(404, "customer not found")

    @box.route("GET", "/v1/products")
    def list_products(request: SandboxRequest) -> Any:
        rows = box.store["products"].all()
        page, size = int(request.params.get("page", 1)), int(request.params.get("pagesize", 10))
        meta = {"Page": page, "TotalNumberOfPages": -(-len(rows) // size)}
        return {"Meta": meta, "Data": rows[(page - 1) * size : page * size]}

    @box.route("POST", "/v1/orders")
    def create_order(request: SandboxRequest) -> Any:
        return json_response(box.store["orders"].insert(request.json), 201)

    return box
