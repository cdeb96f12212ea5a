{%- set name = "invoices" -%}
{%- include "resource.py.j2" %}