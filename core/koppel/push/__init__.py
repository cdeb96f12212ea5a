"""The built-in ``push`` system: records another system pushes into a flow through the
HTTP API of ``koppel serve`` (``POST /api/flows/{flow}/records``), read as a source.

A flow whose source is a push connection takes canonical records of its entity
(articles, purchase orders, commitments: whatever Multi ERP or another system supplies)::

    name = "erp-commitments"
    source = "erp"
    target = "register"
    entity = "commitments"

    [connections.erp]
    system = "push"

    [connections.register]
    system = "register"
    settings = { source_system = "erp" }

Each pushed record is validated as the entity's canonical record and kept in the state
store's inbox (:mod:`koppel.push._inbox`), the newest per id; a record pushed again
unchanged is not kept twice, a changed one is numbered anew. The source reads the inbox
from the flow's cursor (that number), so the engine's bindings, parking and activity log
apply as to any source: each record lands once, also when it is pushed twice.
``koppel purge`` (:meth:`koppel.state.StateStore.purge`) empties what was pushed longer
ago than the retention.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from koppel.connector import Connector, Resource, Session, setting
from koppel.errors import ConfigurationError
from koppel.push._inbox import (
    Pushed,
    PushedRecord,
    PushProblem,
    push_records,
    pushed_after,
    validate_pushed,
)
from koppel.records import ENTITY_RECORDS
from koppel.state import StateStore
from koppel.sync import SourceRecord

__all__ = [
    "PushProblem",
    "PushSettings",
    "Pushed",
    "PushedRecord",
    "connector",
    "inbox_of",
    "push_records",
    "pushed_after",
    "validate_pushed",
]


@attrs.frozen
class PushSettings:
    """Which inbox a push connection reads."""

    inbox: str | None = setting(
        default=None,
        description="the inbox its records are pushed into (default: the connection's name)",
    )


def inbox_of(connection: str, settings: Mapping[str, Any]) -> str:
    """The inbox of push connection ``connection`` with these (plain) settings."""
    inbox = settings.get("inbox")
    return str(inbox) if inbox else connection


class _PushedRecords(Resource):
    """Pushed records of one entity, in the order they were pushed or changed."""

    description = "records pushed through koppel serve's API (POST /api/flows/FLOW/records)"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        client: _Inbox = self.client
        after = _change_number(cursor)
        while True:
            page = pushed_after(client.store, client.inbox, self.entity, after)
            for record in page:
                if not record.data:  # forgotten by the retention (koppel purge)
                    continue
                yield SourceRecord(id=record.record_id, data=record.data, cursor=str(record.seq))
            if not page:
                return
            after = page[-1].seq


def _change_number(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit():
        raise ConfigurationError(
            f"the stored cursor {cursor!r} is no change number of the push inbox; "
            "reset it with `koppel state reset`"
        )
    return int(cursor)


@attrs.frozen
class _Inbox:
    store: StateStore
    inbox: str


def _client(session: Session) -> _Inbox:
    store = session.connection.state
    if store is None:
        raise ConfigurationError(
            "the push system keeps its records in the run's state store; this connection has none",
            connection=session.connection.name,
        )
    settings: PushSettings = session.settings
    return _Inbox(store, settings.inbox or session.connection.name)


def _resource(entity: str) -> type[Resource]:
    name = "Pushed" + "".join(part.title() for part in entity.split("_"))
    return type(name, (_PushedRecords,), {"entity": entity, "__module__": __name__})


connector = Connector(
    name="push",
    title="Pushed records",
    description="Canonical records pushed through koppel serve's HTTP API, read as a source.",
    settings=PushSettings,
    client=_client,
    resources=tuple(_resource(entity) for entity in ENTITY_RECORDS),
    package="koppel.push",
    local=True,
)
