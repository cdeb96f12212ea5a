{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entity = (reads + writes)[0] -%}
{%- set auth = cookiecutter.auth -%}
"""Replaying recorded {{ cookiecutter.title }} responses: a paged list, as the API sends it.

The cassette (cassettes/test_cassettes/) holds the API's documented answers with
credentials filtered out. README.md tells how to re-record it against a real
tenant: with ``{{ cookiecutter.__env }}_BASE_URL`` and the credentials set, run
``pytest tests/test_cassettes.py --record-mode=rewrite``.
"""

import os
{%- if auth == "oauth2" %}
from datetime import UTC, datetime, timedelta
{%- endif %}
from pathlib import Path

import pytest
{%- if auth == "oauth2" %}
from koppel.http import FileTokenStore, MemoryTokenStore, OAuthToken, TokenStore
{%- endif %}
{%- if entity in reads %}
from koppel.mapping import compile_mapping
from koppel.records import ENTITY_RECORDS, structure
from koppel.sync import Connection, Direction
{%- else %}
from koppel.sync import Connection
{%- endif %}
from koppel.testing import find_secrets_in_cassettes
from vcr.cassette import Cassette
{% if entity in reads %}
from {{ cookiecutter.__package }} import plugin
{%- endif %}
from {{ cookiecutter.__package }}.client import BASE_URL, list_records

ENTITY = "{{ entity }}"
CASSETTES = Path(__file__).parent / "cassettes"


def env(name: str, default: str) -> str:
    """``{{ cookiecutter.__env }}_<name>`` from the environment (set when recording), else ``default``."""
    return os.environ.get(f"{{ cookiecutter.__env }}_{name}", default)
{%- if auth == "oauth2" %}


def token_store(connection: str) -> TokenStore:
    """Recording: the token file ``koppel auth`` wrote. Replaying: a token that needs no refresh."""
    path = os.environ.get("{{ cookiecutter.__env }}_TOKENS")
    if path:
        return FileTokenStore(path)
    store = MemoryTokenStore()
    expires = datetime.now(UTC) + timedelta(days=1)
    store.save(connection, OAuthToken("replayed-access", "replayed-refresh", expires))
    return store
{%- endif %}


def cassette_connection() -> Connection:
    """A connection to the real API (recording) or to nothing at all (replaying)."""
    name = env("CONNECTION", "{{ cookiecutter.system }}")
    return Connection(
        name=name,
        system="{{ cookiecutter.system }}",
{%- if auth == "oauth2" %}
        settings={
            "base_url": env("BASE_URL", BASE_URL),
            "client_id": env("CLIENT_ID", "replayed-client"),
{%- if cookiecutter.pagination != "odata" %}
            "page_size": 2,
{%- endif %}
        },
        secrets={"client_secret": env("CLIENT_SECRET", "replayed-secret")},
        token_store=token_store(name),
{%- else %}
{%- if cookiecutter.pagination != "odata" %}
        settings={"base_url": env("BASE_URL", BASE_URL), "page_size": 2},
{%- else %}
        settings={"base_url": env("BASE_URL", BASE_URL)},
{%- endif %}
{%- if auth == "api_key" %}
        secrets={"api_key": env("API_KEY", "replayed-key")},
{%- else %}
        secrets={"token": env("TOKEN", "replayed-token")},
{%- endif %}
{%- endif %}
    )


@pytest.mark.vcr
def test_cassette_replays_a_paged_list(vcr: Cassette, record_mode: str) -> None:
    connection = cassette_connection()
    rows = list(list_records(connection, ENTITY))
    assert rows, "the cassette holds no records"
    ids = [str(row["id"]) for row in rows]
    assert len(set(ids)) == len(ids), "a record came twice"
    if record_mode == "none":
        assert vcr.play_count == 2 and vcr.all_played, "the list spans two recorded pages"
{%- if entity in reads %}
    spec = plugin.default_mapping(connection=connection, entity=ENTITY, direction=Direction.INBOUND)
    mapping = compile_mapping(spec, name=f"{{ cookiecutter.system }}/{ENTITY}/inbound")
    for row in rows:
        structure(mapping.apply(row, record_id=str(row["id"])), ENTITY_RECORDS[ENTITY])
{%- endif %}


def test_cassettes_hold_no_credentials() -> None:
    assert find_secrets_in_cassettes(CASSETTES) == []
