{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set cls = cookiecutter.__class -%}
"""What the resources share: the API treats every collection alike (facts.Collection).

``Read`` gives a resource ``fetch``, ``Written`` gives it ``find`` and
``upsert``; an entity whose endpoint differs overrides them in its own module.
"""

from __future__ import annotations
{% if reads and writes %}
from collections.abc import Iterable, Mapping, Sequence
{%- elif reads %}
from collections.abc import Iterable, Mapping
{%- else %}
from collections.abc import Mapping, Sequence
{%- endif %}
from typing import Any, ClassVar, cast

from koppel.connector import Resource
from koppel.sync import (
{%- if writes %}
    Action,
    Ambiguous,
{%- endif %}
{%- if reads %}
    SourceRecord,
{%- endif %}
{%- if writes %}
    TargetRecord,
    WriteResult,
{%- endif %}
{%- if writes %}
    one_match,
{%- endif %}
{%- if reads %}
    read_each,
    read_id,
    read_text,
{%- endif %}
)

from {{ cookiecutter.__package }} import facts
from {{ cookiecutter.__package }}.client import {{ cls }}Client


class {{ cls }}Resource(Resource):
    """An entity the API keeps in one of its collections (facts.py)."""

    collection: ClassVar[facts.Collection]

    @property
    def client(self) -> {{ cls }}Client:
        return cast({{ cls }}Client, self.session.client)
{%- if reads %}


class Read({{ cls }}Resource):
    """Read incrementally: records changed since the cursor, their ``modifiedAt``."""

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        params = {"modified_since": cursor} if cursor else {}
        rows = self.client.list(self.collection.path, params)
        return read_each(rows, self.record, id_field="id")

    def record(self, row: Mapping[str, Any]) -> SourceRecord:
        """One row as a source record; a row this cannot read is parked by the engine."""
        return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_text(row, "modifiedAt"))
{%- endif %}
{%- if writes %}


class Written({{ cls }}Resource):
    """Found by match key in batches; created with ``POST``, updated with ``PUT``."""

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        field = self.match_keys[match_key]
        found = self.client.lookup(self.collection.path, field, values)
        records = {
            value: one_match(TargetRecord(id=str(row["id"]), data=row) for row in rows)
            for value, rows in found.items()
        }
        return {value: match for value, match in records.items() if match is not None}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        if target_id is None:
            row = self.client.create(self.collection.path, payload)
        else:
            row = self.client.update(self.collection.path, target_id, payload)
        return WriteResult(target_id=str(row["id"]), response=row)
{%- endif %}
