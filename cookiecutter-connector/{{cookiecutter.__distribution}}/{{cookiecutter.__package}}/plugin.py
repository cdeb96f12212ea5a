{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set auth = cookiecutter.auth -%}
"""The hooks of the {{ cookiecutter.title }} plugin (entry point ``{{ cookiecutter.system }}``).

Declared in pyproject.toml::

    [project.entry-points.koppel]
    {{ cookiecutter.system }} = "{{ cookiecutter.__package }}.plugin"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from koppel import hookimpl
from koppel.errors import ValidationError
{%- if "orders" in writes %}
from koppel.records import OrderType
{%- endif %}
from koppel.sync import (
    Action,
    Connection,
    Direction,
    SourceRecord,
    TargetRecord,
    WriteResult,
    read_each,
    read_id,
    read_text,
)
from koppel.system import EntityInfo, Setting, SystemInfo

from {{ cookiecutter.__package }}.client import create_record, list_records, update_record
from {{ cookiecutter.__package }}.resources import READS, RESOURCES, WRITES

if TYPE_CHECKING:
    from koppel.sandbox import Sandbox

SYSTEM = "{{ cookiecutter.system }}"
#: Match-key values looked up per request in ``find_existing``.
LOOKUP_BATCH = 50
{%- if "orders" in writes %}
#: The order types {{ cookiecutter.title }} accepts as a target.
ORDER_TYPES = (OrderType.ORDER,)
{%- endif %}
#: What each entity holds, as ``koppel plugins`` and the docs show it.
DESCRIPTIONS = {
{%- for name, info in cookiecutter._entities.items() if name in reads or name in writes %}
    "{{ name }}": "{{ info.about }}",
{%- endfor %}
}


@hookimpl
def koppel_system() -> SystemInfo:
    """{{ cookiecutter.title }}: its entities and connection settings."""
    return SystemInfo(
        name=SYSTEM,
        title="{{ cookiecutter.title }}",
        description="{{ cookiecutter.description }}",
        entities=tuple(
            EntityInfo(
                name=name,
                read=name in READS,
                write=name in WRITES,
                match_keys=tuple(resource.match_fields),
                description=DESCRIPTIONS[name],
            )
            for name, resource in RESOURCES.items()
        ),
        settings=(
{%- if auth == "api_key" %}
            Setting(name="api_key", secret=True, required=True, description="the API key"),
{%- elif auth == "bearer" %}
            Setting(name="token", secret=True, required=True, description="the API token"),
{%- else %}
            Setting(name="client_id", required=True, description="the registered app's client id"),
            Setting(name="client_secret", secret=True, description="the app's client secret"),
            Setting(name="redirect_uri", description="the redirect URI registered with the app"),
            Setting(name="authorize_url", description="the provider's authorization endpoint"),
            Setting(name="token_url", description="the provider's token endpoint"),
{%- endif %}
            Setting(name="base_url", description="the API's root URL (default: the live API)"),
{%- if cookiecutter.pagination != "odata" %}
            Setting(name="page_size", type="int", default=100, description="records per request"),
{%- endif %}
        ),
    )


@hookimpl
def koppel_sandbox(seed: int) -> Sandbox:
    """The {{ cookiecutter.title }} emulator with its demo data."""
    from {{ cookiecutter.__package }}.sandbox import make_sandbox

    return make_sandbox(seed)


@hookimpl
def default_mapping(
    connection: Connection, entity: str, direction: Direction
) -> Mapping[str, Any] | None:
    """The shipped mapping ``mappings/<entity>.<direction>.toml``, if there is one."""
    from koppel.mapping import packaged_mapping

    name = f"{entity}.{Direction(direction).value}.toml"
    return packaged_mapping("{{ cookiecutter.__package }}", name)


@hookimpl
def fetch_records(
    connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
) -> Iterable[SourceRecord] | None:
    """Records of ``entity`` changed since ``cursor`` (their ``modifiedAt``), oldest first.

    Each flow filter with a plain value is passed on as a query parameter.
    """
    if entity not in READS:
        return None
    params = {k: v for k, v in filters.items() if isinstance(v, str | int | float)}
    if cursor:
        params["modified_since"] = cursor
    rows = list_records(connection, entity, params)
    return read_each(rows, _source_record, id_field="id")


def _source_record(row: Mapping[str, Any]) -> SourceRecord:
    """One row as a source record; a row this cannot read is parked by the engine."""
    return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_text(row, "modifiedAt"))


@hookimpl
def find_existing(
    connection: Connection, entity: str, match_key: str, values: Sequence[str]
) -> Mapping[str, TargetRecord] | None:
    """Records whose match-key field holds one of ``values``: one query per batch of 50."""
    resource = RESOURCES.get(entity)
    if entity not in WRITES or resource is None or match_key not in resource.match_fields:
        return None
    field = resource.match_fields[match_key]
    found: dict[str, TargetRecord] = {}
    values = list(values)
    for start in range(0, len(values), LOOKUP_BATCH):
        batch = values[start : start + LOOKUP_BATCH]
        wanted = {str(value).lower(): value for value in batch}
        for row in list_records(connection, entity, {field: ",".join(batch)}):
            value = wanted.get(str(row.get(field) or "").lower())
            if value is not None and value not in found:
                found[value] = TargetRecord(id=str(row["id"]), data=row)
    return found
{%- if "orders" in writes %}


@hookimpl
def supports_order_types(connection: Connection) -> Iterable[OrderType] | None:
    """Sales orders only."""
    return ORDER_TYPES
{%- endif %}


@hookimpl
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult | None:
    """Create (``POST``) or update (``PUT``) one record."""
    if entity not in WRITES:
        return None
{%- if "orders" in writes %}
    if entity == "orders":
        order_type = str(payload.get("type") or OrderType.ORDER)
        if order_type not in ORDER_TYPES:
            supported = ", ".join(ORDER_TYPES)
            raise ValidationError(
                f"{SYSTEM} cannot create order type {order_type}; it supports: {supported}",
                entity=entity,
                field="order_type",
            )
{%- endif %}
    if action == Action.CREATE:
        row = create_record(connection, entity, payload)
    elif action == Action.UPDATE and target_id:
        row = update_record(connection, entity, target_id, payload)
    else:
        raise ValidationError(f"cannot {action} {entity} without a target id", entity=entity)
    return WriteResult(target_id=str(row["id"]), response=row)
