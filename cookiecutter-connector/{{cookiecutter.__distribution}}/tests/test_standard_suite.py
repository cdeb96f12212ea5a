{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set auth = cookiecutter.auth -%}
"""koppel's standard connector suite, run against the {{ cookiecutter.title }} sandbox."""

from pathlib import Path

from koppel.testing import ConnectorTestSuite

from {{ cookiecutter.__package }}.plugin import connector
from {{ cookiecutter.__package }}.sandbox import (
{%- if auth == "api_key" %}
    DEMO_API_KEY,
{%- elif auth == "bearer" %}
    DEMO_TOKEN,
{%- else %}
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
{%- endif %}
)

ANN = {"name": "Ann Smit", "email": "ann@example.com"}
LINE = {"sku": "SKU-0001", "quantity": "2", "unit_price": "10.00", "vat_rate": "21"}


class Test{{ cookiecutter.__class }}(ConnectorTestSuite):
    plugin = connector
    system = "{{ cookiecutter.system }}"
{%- if auth == "api_key" %}
    secrets = {"api_key": DEMO_API_KEY}
{%- elif auth == "bearer" %}
    secrets = {"token": DEMO_TOKEN}
{%- else %}
    settings = {"client_id": DEMO_CLIENT_ID{{ ', "page_size": 10' if cookiecutter.pagination != 'odata' else '' }}}
    secrets = {"client_secret": DEMO_CLIENT_SECRET}
{%- endif %}
{%- if auth != "oauth2" and cookiecutter.pagination != "odata" %}
    settings = {"page_size": 10}
{%- endif %}
    cassettes = Path(__file__).parent / "cassettes"
{%- if writes %}
    samples = {
{%- if "customers" in writes %}
        "customers": {
            **ANN,
            "phone": "+31 20 1234567",
            "billing_address": {"street": "Kade", "house_number": "1", "city": "Amsterdam"},
        },
{%- endif %}
{%- if "products" in writes %}
        "products": {"sku": "NEW-001", "name": "New article", "price_excl_vat": "12.50"},
{%- endif %}
{%- if "stock" in writes %}
        "stock": {"sku": "NEW-001", "on_hand": "5", "reserved": "1", "warehouse": "MAIN"},
{%- endif %}
{%- if "orders" in writes %}
        "orders": {
            "number": "SO-9001",
            "order_type": "order",
            "order_date": "2024-03-01",
            "customer": ANN,
            "lines": [LINE],
            "total_excl_vat": "20.00",
            "total_vat": "4.20",
            "total_incl_vat": "24.20",
        },
{%- endif %}
{%- if "invoices" in writes %}
        "invoices": {
            "number": "INV-9001",
            "invoice_date": "2024-03-01",
            "customer": ANN,
            "lines": [LINE],
            "total_incl_vat": "24.20",
        },
{%- endif %}
{%- if "journal_entries" in writes %}
        "journal_entries": {
            "number": "JE-9001",
            "entry_date": "2024-03-01",
            "journal": "MEM",
            "lines": [
                {"account": "1300", "amount": "121.00"},
                {"account": "8000", "amount": "-100.00"},
                {"account": "1671", "amount": "-21.00"},
            ],
        },
{%- endif %}
{%- if "commitments" in writes %}
        "commitments": {"code": "C-9001", "amount": "1500.00", "open_amount": "1500.00"},
{%- endif %}
{%- if "commitment_bookings" in writes %}
        "commitment_bookings": {
            "id": "PI-9001/C-9001/1",
            "commitment": "C-9001",
            "invoice_number": "PI-9001",
            "amount": "250.00",
        },
{%- endif %}
{%- if "relations" in writes %}
        "relations": {"number": "R-9001", "kind": "debtor", **ANN},
{%- endif %}
{%- if "purchase_invoices" in writes %}
        "purchase_invoices": {
            "id": "S-9001/PI-9001",
            "number": "PI-9001",
            "supplier": {"number": "S-9001", "name": "Nieuw Bouw B.V."},
            "issue_date": "2024-03-01",
            "lines": [{"gl_account": "7000", "amount": "100.00", "vat_amount": "21.00"}],
            "total_excl_vat": "100.00",
            "total_vat": "21.00",
            "total_incl_vat": "121.00",
        },
{%- endif %}
{%- if "projects" in writes %}
        "projects": {"number": "P-9001", "name": "New project", "customer": "D10001"},
{%- endif %}
    }
    changes = {
{%- if "customers" in writes %}
        "customers": {"name": "Ann de Smit"},
{%- endif %}
{%- if "products" in writes %}
        "products": {"price_excl_vat": "13.75"},
{%- endif %}
{%- if "stock" in writes %}
        "stock": {"on_hand": "7"},
{%- endif %}
{%- if "orders" in writes %}
        "orders": {"reference": "web-9001"},
{%- endif %}
{%- if "invoices" in writes %}
        "invoices": {"status": "paid"},
{%- endif %}
{%- if "journal_entries" in writes %}
        "journal_entries": {"description": "corrected"},
{%- endif %}
{%- if "commitments" in writes %}
        "commitments": {"open_amount": "500.00"},
{%- endif %}
{%- if "commitment_bookings" in writes %}
        "commitment_bookings": {"handled": True},
{%- endif %}
{%- if "relations" in writes %}
        "relations": {"phone": "+31 30 1234567"},
{%- endif %}
{%- if "purchase_invoices" in writes %}
        "purchase_invoices": {"description": "corrected"},
{%- endif %}
{%- if "projects" in writes %}
        "projects": {"status": "closed", "closed": True},
{%- endif %}
    }
    # Refused by the API: a demo record has the same key.
    rejected = {
{%- if "customers" in writes %}
        "customers": {"name": "Anne Twice", "email": "customer1@example.com"},
{%- endif %}
{%- if "products" in writes %}
        "products": {"sku": "SKU-0001", "name": "Twice"},
{%- endif %}
{%- if "stock" in writes %}
        "stock": {"sku": "SKU-0001", "on_hand": "3"},
{%- endif %}
{%- if "orders" in writes %}
        "orders": {"number": "SO-1001", "order_type": "order", "customer": ANN, "lines": [LINE]},
{%- endif %}
{%- if "invoices" in writes %}
        "invoices": {"number": "INV-2001", "customer": ANN, "lines": [LINE]},
{%- endif %}
{%- if "journal_entries" in writes %}
        "journal_entries": {"number": "JE-3001", "journal": "MEM"},
{%- endif %}
{%- if "commitments" in writes %}
        "commitments": {"code": "C-4001", "amount": "10.00"},
{%- endif %}
{%- if "commitment_bookings" in writes %}
        "commitment_bookings": {"id": "PI-6001/C-4001/1", "commitment": "C-4001", "amount": "1"},
{%- endif %}
{%- if "relations" in writes %}
        "relations": {"number": "R5001", "kind": "debtor", "name": "Twice"},
{%- endif %}
{%- if "purchase_invoices" in writes %}
        "purchase_invoices": {"id": "S-7001/PI-6001", "number": "PI-6001"},
{%- endif %}
{%- if "projects" in writes %}
        "projects": {"number": "P-101", "name": "Twice"},
{%- endif %}
    }
{%- endif %}
