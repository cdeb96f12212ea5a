"""What the sandbox's metainfo endpoints answer: the environment's connectors, a
GetConnector's fields (get-connector.md, "Metainfo request") and an UpdateConnector's
fields and nested objects (the shape of the last is an assumption, REFERENCE.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from koppel.sandbox import Contract
from koppel_afas.definitions import Definition
from koppel_afas.facts import BODIES, KEYS, UPDATE_OBJECTS

__all__ = ["get_connector", "listing", "update_connector"]


def listing(connectors: Iterable[Definition], *, envid: str) -> dict[str, Any]:
    """``GET /metainfo``: the UpdateConnectors and GetConnectors of the app connector."""
    return {
        "updateConnectors": [
            {"id": name, "description": name} for name in sorted({n for n, _ in BODIES})
        ],
        "getConnectors": [{"id": d.id, "description": d.description} for d in connectors],
        "info": {"envid": envid, "appName": "koppel"},
    }


def get_connector(definition: Definition) -> dict[str, Any]:
    """``GET /metainfo/get/{id}``: the GetConnector's fields."""
    return {
        "name": definition.id,
        "description": definition.description,
        "fields": [
            {
                "id": f.id,
                "fieldId": f"U{n:03d}",
                "dataType": f.data_type,
                "label": f.label,
                "length": f.length,
                "controlType": 1,
                "decimals": f.decimals,
                "decimalsFieldId": "",
            }
            for n, f in enumerate(definition.fields, 1)
        ],
    }


def update_connector(name: str) -> dict[str, Any] | None:
    """``GET /metainfo/update/{id}``: the UpdateConnector's fields and nested objects, from
    facts.BODIES; None for one koppel does not write."""
    contract = BODIES.get((name, "POST"))
    if contract is None:
        return None
    top = "FiEntryPar" if name == "FiEntries" else name
    return {"name": name, "description": name, **_describe(top, _nested(contract, top))}


_META_TYPES = {
    "text": "string",
    "integer": "int",
    "decimal": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "date",
}


def _nested(contract: Contract, name: str) -> Contract:
    """The contract of ``contract``'s object or list field ``name``."""
    nested = contract.field(name).of
    if nested is None:
        raise KeyError(f"{contract.name}.{name} has no nested contract")
    return nested


def _describe(name: str, wrapper: Contract) -> dict[str, Any]:
    """An UpdateConnector object's fields and nested objects, as metainfo/update answers."""
    element = _nested(wrapper, "Element")
    fields = [
        {
            "fieldId": f.name,
            "primaryKey": KEYS.get(name) == f.name,
            "dataType": _META_TYPES[f.type],
            "label": f.name,
            "mandatory": f.required,
            "length": f.max_length or 0,
            "decimals": 2 if f.type == "decimal" else 0,
            "decimalsFieldId": "",
            "notZero": False,
            "values": [{"id": v, "description": v} for v in f.enum],
        }
        for f in _nested(element, "Fields").fields
    ]
    objects = []
    for child in UPDATE_OBJECTS.get(name, ()):
        child_name = child.removesuffix("[]")
        child_wrapper = _nested(_nested(element, "Objects"), child_name)
        objects.append({"name": child_name, **_describe(child_name, child_wrapper)})
    return {"fields": fields, "objects": objects}
