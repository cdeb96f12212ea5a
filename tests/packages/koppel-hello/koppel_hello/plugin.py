"""Hook implementations of the hello test system."""

from __future__ import annotations

from koppel import hookimpl
from koppel.records import OrderType
from koppel.sync import Connection
from koppel.system import EntityInfo, SystemInfo


@hookimpl
def koppel_system() -> SystemInfo:
    return SystemInfo(
        name="hello",
        title="Hello test system",
        entities=(EntityInfo(name="customers", read=True, write=True, match_keys=("email",)),),
    )


@hookimpl
def supports_order_types(connection: Connection) -> list[OrderType]:
    return [OrderType.ORDER]
