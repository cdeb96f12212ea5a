{%- set entities = cookiecutter._entities -%}
{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
"""The {{ cookiecutter.title }} API's resources: where each entity lives and how it is found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

__all__ = ["READS", "RESOURCES", "WRITES", "Resource"]


class Resource(NamedTuple):
    """One list/create/update resource of the API.

    :param path: below the API's base URL (``GET`` lists, ``POST`` creates,
        ``PUT <path>/<id>`` updates).
    :param match_fields: canonical match key -> the native field that holds it.
    :param required: the native field the API requires on every write.
    """

    path: str
    match_fields: Mapping[str, str]
    required: str


#: Entities read from {{ cookiecutter.title }}, and written to it.
READS: tuple[str, ...] = ({{ reads | map('tojson') | join(', ') }}{{ ',' if reads | length == 1 else '' }})
WRITES: tuple[str, ...] = ({{ writes | map('tojson') | join(', ') }}{{ ',' if writes | length == 1 else '' }})

RESOURCES: dict[str, Resource] = {
{%- for name, info in entities.items() if name in reads or name in writes %}
    "{{ name }}": Resource(
        path="{{ info.path }}",
        match_fields={ {%- for key, field in info.match.items() %}"{{ key }}": "{{ field }}"{% if not loop.last %}, {% endif %}{% endfor -%} },
        required="{{ info.required }}",
    ),
{%- endfor %}
}
