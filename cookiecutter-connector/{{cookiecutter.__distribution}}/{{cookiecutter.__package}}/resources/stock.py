{%- set name = "stock" -%}
{%- include "resource.py.j2" %}