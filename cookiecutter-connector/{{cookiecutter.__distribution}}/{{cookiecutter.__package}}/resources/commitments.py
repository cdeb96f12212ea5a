{%- set name = "commitments" -%}
{%- include "resource.py.j2" %}