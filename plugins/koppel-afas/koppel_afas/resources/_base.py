"""What every AFAS resource shares: its GetConnector, read with the customer's ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from koppel.connector import Resource
from koppel.errors import ConfigurationError
from koppel_afas.client import AfasClient, Filter
from koppel_afas.definitions import GetConnector

__all__ = ["AfasResource", "batches"]

#: Values per GetConnector call when looking records up (keeps the URL well under 2049).
BATCH = 40


def batches(values: Sequence[str], size: int = BATCH) -> Iterator[list[str]]:
    """``values`` (without duplicates and empty ones) in lists of at most ``size``.
    A value holding ``,`` or ``;`` (AFAS's filter separators) cannot be asked for: left out."""
    clean = list(dict.fromkeys(str(v).strip() for v in values))
    clean = [v for v in clean if v and "," not in v and ";" not in v]
    for start in range(0, len(clean), size):
        yield clean[start : start + size]


class AfasResource(Resource):
    """An AFAS entity read through one of the recommended GetConnectors (``role``)."""

    #: The GetConnector role this entity reads (definitions.ROLES).
    role: ClassVar[str]

    @property
    def client(self) -> AfasClient:
        client: AfasClient = self.session.client
        return client

    def getconnector(self, role: str | None = None) -> GetConnector:
        """The customer's GetConnector of ``role`` (this resource's by default), checked
        once per run against its metainfo: every field koppel reads must be in it.

        :raises ConfigurationError: naming the setting when a field is missing.
        """
        role = role or self.role
        connector: GetConnector = self.session.cached(
            f"afas:getconnector:{role}", lambda: self._checked(role)
        )
        return connector

    def _checked(self, role: str) -> GetConnector:
        name = self.session.connection.name
        connector = GetConnector.of(
            role,
            getattr(self.settings, f"{role}_connector"),
            getattr(self.settings, f"{role}_fields"),
            connection=name,
        )
        answered = {str(f.get("id")) for f in self.client.get_fields(connector.id)}
        missing = [own for own in connector.fields.values() if own not in answered]
        if missing:
            raise ConfigurationError(
                f"GetConnector {connector.id} has no field {', '.join(missing)}; add it in "
                f"Profit or name yours in {role}_fields (see getconnectors.json)",
                connection=name,
                path=f"connections.{name}.settings.{role}_fields",
            )
        return connector

    def rows(
        self,
        role: str | None = None,
        *,
        filters: Sequence[Sequence[tuple[str, int, str]]] = (),
        order_by: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """The rows of the GetConnector of ``role`` with recommended field ids; filters
        and order name recommended ids too (``-`` before one sorts descending)."""
        connector = self.getconnector(role)
        native = [
            [Filter(connector.native(field), operator, value) for field, operator, value in group]
            for group in filters
        ]
        order = [
            ("-" if f.startswith("-") else "") + connector.native(f.removeprefix("-"))
            for f in order_by
        ]
        for row in self.client.rows(connector.id, filters=native, order_by=order):
            yield connector.rename(row)

    def lookup(self, role: str, field: str, values: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Rows whose ``field`` equals one of ``values``, a batch of values per call."""
        key = self.getconnector(role).definition.key
        for batch in batches(values):
            yield from self.rows(role, filters=[[(field, 1, v)] for v in batch], order_by=[key])
