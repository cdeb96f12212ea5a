"""Administrations (Multi ERP): the flows of one company, where each kind of master
data comes from, and whether purchase invoices go to the finance ERP as financial
bookings.

An administration is a table of the project file (``koppel.toml``)::

    [administrations.acme]
    flows = ["afas-commitments", "purchase-invoices", "purchase-bookings"]
    multi_erp = true
    master_data = { commitments = "afas", articles = "afas" }

``flows`` names the project's flows (file name or ``name``) that belong to the
company; ``master_data`` says per kind (:data:`KINDS`) which system it comes from;
``multi_erp`` turns Multi ERP on: the ``booking`` system books the administration's
purchase invoices as journal entries (*memoriaalboekingen*) instead of purchase
invoices. The administration's name is the one its invoices carry (the ``ubl``
connection's ``administration``).

:func:`check_administration` is what ``koppel check`` asks: one source system per kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from koppel.errors import ConfigurationError

__all__ = [
    "KINDS",
    "Administration",
    "FlowSource",
    "check_administration",
    "multi_erp_of",
    "read_administrations",
]

#: Kind of master data -> the flow entities that bring it.
KINDS: Mapping[str, tuple[str, ...]] = {
    "articles": ("products",),
    "purchase_orders": ("purchase_orders",),
    "commitments": ("commitments",),
}

_KEYS = ("flows", "multi_erp", "master_data")
#: The entities a booking goes to the finance ERP as (without, with Multi ERP).
_FORMS = ("purchase_invoices", "journal_entries")


@attrs.frozen(kw_only=True)
class Administration:
    """One company's part of a project (a ``[administrations.NAME]`` table).

    :param name: the administration, as its invoices and commitments name it.
    :param flows: the names (or file names) of its flows.
    :param multi_erp: book its purchase invoices as financial bookings.
    :param master_data: kind of master data -> the system it comes from.
    """

    name: str
    flows: tuple[str, ...] = ()
    multi_erp: bool = False
    master_data: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class FlowSource:
    """What :func:`check_administration` needs of a flow: its names and where it reads."""

    name: str
    file: Path
    entity: str
    source_system: str


def read_administrations(data: Any, *, file: Path) -> dict[str, Administration]:
    """The ``[administrations]`` table of a project file, checked.

    :raises ConfigurationError: naming the file and the key of a wrong value.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise _error("administrations", "expected tables [administrations.NAME]", file)
    found = {}
    for name, table in data.items():
        where = f"administrations.{name}"
        if not isinstance(table, Mapping):
            raise _error(where, f"expected a table, got {table!r}", file)
        unknown = sorted(set(table) - set(_KEYS))
        if unknown:
            raise _error(
                f"{where}.{unknown[0]}",
                f"unknown key; an administration has {', '.join(_KEYS)}",
                file,
            )
        flows = table.get("flows", [])
        if not isinstance(flows, list) or not all(isinstance(f, str) and f for f in flows):
            raise _error(f"{where}.flows", f"expected a list of flow names, got {flows!r}", file)
        multi_erp = table.get("multi_erp", False)
        if not isinstance(multi_erp, bool):
            raise _error(f"{where}.multi_erp", f"expected true or false, got {multi_erp!r}", file)
        master_data = table.get("master_data", {})
        if not isinstance(master_data, Mapping):
            raise _error(f"{where}.master_data", "expected a table: kind = system", file)
        for kind, system in master_data.items():
            if kind not in KINDS:
                raise _error(
                    f"{where}.master_data.{kind}",
                    f"unknown kind of master data; the kinds are {', '.join(KINDS)}",
                    file,
                )
            if not isinstance(system, str) or not system:
                raise _error(
                    f"{where}.master_data.{kind}", f"expected a system name, got {system!r}", file
                )
        found[str(name)] = Administration(
            name=str(name), flows=tuple(flows), multi_erp=multi_erp, master_data=dict(master_data)
        )
    return found


def check_administration(
    administration: Administration, flows: Sequence[FlowSource], *, file: Path
) -> list[str]:
    """Check that ``administration`` has one source per kind of master data: among
    ``flows`` (the project's flows), those it names. Returns a note per kind it takes.

    :raises ConfigurationError: for a flow it names that the project does not have,
        an export flow of bookings in the form Multi ERP does not give, two flows that
        bring one kind from two systems (naming both and their files), or a flow that
        brings a kind from another system than ``master_data`` says.
    """
    where = f"administrations.{administration.name}"
    by_name: dict[str, FlowSource] = {}
    for flow in flows:
        by_name.setdefault(flow.file.stem, flow)
        by_name.setdefault(flow.name, flow)
    members = []
    for name in administration.flows:
        if name not in by_name:
            known = ", ".join(sorted({f.name for f in flows})) or "none"
            raise _error(
                f"{where}.flows", f"no flow {name!r} in the project (flows: {known})", file
            )
        members.append(by_name[name])
    form = "journal_entries" if administration.multi_erp else "purchase_invoices"
    for flow in members:
        if flow.source_system == "booking" and flow.entity in _FORMS and flow.entity != form:
            raise _error(
                f"{where}.multi_erp",
                f"flow {flow.name} ({flow.file}) exports {flow.entity}, but with Multi ERP "
                f"{'on' if administration.multi_erp else 'off'} the administration's "
                f"bookings go out as {form}",
                file,
            )
    notes = []
    for kind, entities in KINDS.items():
        bringing = [flow for flow in members if flow.entity in entities]
        declared = administration.master_data.get(kind)
        for flow in bringing:
            if declared is not None and flow.source_system != declared:
                raise _error(
                    f"{where}.master_data.{kind}",
                    f"{kind} come from {declared}, but flow {flow.name} ({flow.file}) brings "
                    f"them from {flow.source_system}",
                    file,
                )
        systems = {flow.source_system for flow in bringing}
        if len(systems) > 1:
            first = bringing[0]
            other = next(f for f in bringing if f.source_system != first.source_system)
            raise _error(
                where,
                f"two sources of {kind}: flow {first.name} ({first.file}) reads them from "
                f"{first.source_system}, flow {other.name} ({other.file}) from "
                f"{other.source_system}; an administration takes each kind of master data "
                "from one system",
                file,
            )
        source = declared or (bringing[0].source_system if bringing else None)
        if source is not None:
            notes.append(f"{kind} from {source}")
    return notes


def multi_erp_of(administrations: Mapping[str, Administration], administration: str | None) -> bool:
    """Whether Multi ERP is on for ``administration`` (off for one the project has not)."""
    found = administrations.get(administration) if administration is not None else None
    return found is not None and found.multi_erp


def _error(path: str, message: str, file: Path) -> ConfigurationError:
    return ConfigurationError(message, file=str(file), path=path)
