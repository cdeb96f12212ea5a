{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- from "wrap.j2" import wrapped -%}
{%- set cls = cookiecutter.__class -%}
{%- set resources = [] -%}
{%- for name in cookiecutter._entities if name in reads or name in writes -%}
{%- set _ = resources.append(name.replace('_', ' ').title().replace(' ', '')) -%}
{%- endfor -%}
"""The {{ cookiecutter.title }} connector: the system, its settings, client and resources.

koppel finds it through its entry point, in pyproject.toml::

    [project.entry-points.koppel]
    {{ cookiecutter.system }} = "{{ cookiecutter.__package }}.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector

from {{ cookiecutter.__package }}.client import {{ cls }}Client{{ ", oauth" if cookiecutter.auth == "oauth2" else "" }}
{%- set line = "from " ~ cookiecutter.__package ~ ".resources import " ~ resources | sort | join(", ") %}
{% if line | length <= 100 -%}
{{ line }}
{%- else -%}
{{ wrapped("from " ~ cookiecutter.__package ~ ".resources import (", resources | sort, ")", vertical=True) }}
{%- endif %}
from {{ cookiecutter.__package }}.settings import {{ cls }}Settings

connector = Connector(
    name="{{ cookiecutter.system }}",
    title="{{ cookiecutter.title }}",
    description="{{ cookiecutter.description }}",
    settings={{ cls }}Settings,
    client={{ cls }}Client,
{%- if cookiecutter.auth == "oauth2" %}
    oauth=oauth,
{%- endif %}
{%- if resources | length == 1 %}
    resources=({{ resources[0] }},),
{%- else %}
{{ wrapped("resources=(", resources, "),", indent="    ") }}
{%- endif %}
    package="{{ cookiecutter.__package }}",
    sandbox="{{ cookiecutter.__package }}.sandbox:make_sandbox",
)
