"""Hook implementations of the shopdemo connector."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from koppel import hookimpl
from koppel.errors import ValidationError
from koppel.http import limit_offset_pages, page_number_pages, raise_for_status
from koppel.records import OrderType
from koppel.sandbox import Sandbox
from koppel.sync import Action, Connection, Direction, SourceRecord, TargetRecord, WriteResult
from koppel.system import EntityInfo, Setting, SystemInfo

from .client import client_for
from .sandbox import make_sandbox

MAPPINGS: dict[tuple[str, str], dict[str, Any]] = {
    ("customers", "inbound"): {"fields": {"id": "id", "name": "name", "email": "email"}},
    ("customers", "outbound"): {
        "fields": {"name": "name", "email": "email", "phone": {"expr": "phone", "on_null": "omit"}}
    },
    ("products", "inbound"): {"fields": {"id": "id", "sku": "code", "name": "title"}},
    ("orders", "outbound"): {"fields": {"number": "number", "order_type": "order_type"}},
}


@hookimpl
def koppel_system() -> SystemInfo:
    return SystemInfo(
        name="shopdemo",
        title="Shop demo",
        entities=(
            EntityInfo(name="customers", read=True, write=True, match_keys=("email",)),
            EntityInfo(name="products", read=True),
            EntityInfo(name="orders", write=True, match_keys=("number",)),
        ),
        settings=(Setting(name="api_key", secret=True, required=True),),
    )


@hookimpl
def koppel_sandbox(seed: int) -> Sandbox:
    return make_sandbox(seed)


@hookimpl
def default_mapping(connection: Connection, entity: str, direction: Direction) -> Any:
    return MAPPINGS.get((entity, str(direction)))


@hookimpl
def fetch_records(connection: Connection, entity: str) -> Iterator[SourceRecord] | None:
    client = client_for(connection)
    if entity == "customers":
        rows = limit_offset_pages(client, "/v1/customers", limit=20)
    elif entity == "products":
        rows = page_number_pages(
            client, "/v1/products", page_size=10, page_param="page", size_param="pagesize"
        )
    else:
        return None
    return (SourceRecord(id=str(row["id"]), data=row) for row in rows)


@hookimpl
def find_existing(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> Mapping[str, TargetRecord] | None:
    if entity != "customers" or match_key != "email":
        return None
    wanted = set(values)
    rows = limit_offset_pages(client_for(connection), "/v1/customers", limit=20)
    return {
        row["email"]: TargetRecord(id=str(row["id"]), data=row)
        for row in rows
        if row["email"] in wanted
    }


@hookimpl
def supports_order_types(connection: Connection) -> list[OrderType]:
    return [OrderType.ORDER]


@hookimpl
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult | None:
    client = client_for(connection)
    if entity == "orders":
        order_type = payload.get("order_type")
        if order_type not in supports_order_types(connection):
            raise ValidationError(
                f"shopdemo cannot create order type {order_type}; it supports: order",
                entity=entity,
            )
        response = client.post("/v1/orders", json=dict(payload))
    elif entity == "customers" and action == Action.CREATE:
        response = client.post("/v1/customers", json=dict(payload))
    elif entity == "customers":
        response = client.put(f"/v1/customers/{target_id}", json=dict(payload))
    else:
        return None
    data = raise_for_status(response, entity=entity).json()
    return WriteResult(target_id=str(data["id"]), response=data)
