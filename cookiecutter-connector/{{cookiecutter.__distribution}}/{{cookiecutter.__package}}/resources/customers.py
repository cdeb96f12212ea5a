{%- set name = "customers" -%}
{%- include "resource.py.j2" %}