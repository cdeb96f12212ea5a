{%- set name = "products" -%}
{%- include "resource.py.j2" %}