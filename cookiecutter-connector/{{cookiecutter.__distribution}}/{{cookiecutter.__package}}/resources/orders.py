{%- set name = "orders" -%}
{%- include "resource.py.j2" %}