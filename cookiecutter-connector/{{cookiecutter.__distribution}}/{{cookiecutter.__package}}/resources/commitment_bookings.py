{%- set name = "commitment_bookings" -%}
{%- include "resource.py.j2" %}