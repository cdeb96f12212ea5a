"""What every Exact Online Bouw resource shares: the connection's client, matches in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, cast

from koppel.connector import Resource
from koppel.sync import Ambiguous, TargetRecord, one_match
from koppel_exact_bouw import facts
from koppel_exact_bouw.client import ExactBouwClient

__all__ = ["ExactBouwResource", "matches", "number"]


class ExactBouwResource(Resource):
    """An entity of Heimdall, read and written through :class:`ExactBouwClient`."""

    #: The list this entity is read or looked up in.
    listed: ClassVar[facts.ListEndpoint]

    @property
    def client(self) -> ExactBouwClient:
        """The run's client of this connection."""
        return cast(ExactBouwClient, self.session.client)

    def check_online(self, direction: str) -> str:
        """Log in with the connection's API key and read one row of the entity's list
        (``koppel check --online``); nothing is written.

        :raises AuthError: when Heimdall refuses the key or the application.
        """
        count = self.client.count(self.listed, entity=self.entity)
        return f"logged in; {self.listed.path} answers ({count} rows)"


def matches(
    rows: Iterable[Mapping[str, Any]],
    values: Sequence[str],
    key: Callable[[Mapping[str, Any]], str],
    record: Callable[[Mapping[str, Any]], TargetRecord],
) -> dict[str, TargetRecord | Ambiguous]:
    """Per value asked, the one row whose ``key`` equals it (trimmed, any case), or all of
    them as :class:`Ambiguous`, the lowest (oldest) id first."""
    wanted = {str(value).strip().casefold(): value for value in values}
    found: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        value = wanted.get(key(row).strip().casefold())
        if value is not None:
            found.setdefault(value, []).append(row)
    answer: dict[str, TargetRecord | Ambiguous] = {}
    for value, hits in found.items():
        ordered = sorted(hits, key=lambda row: int(row["id"]))
        match = one_match(record(row) for row in ordered)
        if match is not None:
            answer[value] = match
    return answer


def number(value: Any) -> int | str:
    """An id as HQL compares it: a whole number when it is all digits, else the text."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text
