{%- set name = "relations" -%}
{%- include "resource.py.j2" %}