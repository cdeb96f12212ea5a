{%- set name = "projects" -%}
{%- include "resource.py.j2" %}