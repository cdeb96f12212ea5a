{%- set name = "journal_entries" -%}
{%- include "resource.py.j2" %}