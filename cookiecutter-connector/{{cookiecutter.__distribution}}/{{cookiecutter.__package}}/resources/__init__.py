{%- from "wrap.j2" import wrapped -%}
{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set chosen = cookiecutter._entities.keys() | select('in', reads + writes) | list -%}
{%- set classes = [] -%}
{%- for name in chosen -%}
{%- set _ = classes.append(name.replace('_', ' ').title().replace(' ', '')) -%}
{%- endfor -%}
"""One resource per entity, a module each: where the API keeps it, its match keys, and how
it is read and written. koppel calls each resource for its own entity only."""
{% for name in chosen | sort %}
from {{ cookiecutter.__package }}.resources.{{ name }} import {{ name.replace('_', ' ').title().replace(' ', '') }}
{%- endfor %}

{{ wrapped("__all__ = [", classes | sort | map("tojson") | list, "]") }}
