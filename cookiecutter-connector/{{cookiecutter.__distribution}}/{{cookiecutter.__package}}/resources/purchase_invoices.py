{%- set name = "purchase_invoices" -%}
{%- include "resource.py.j2" %}