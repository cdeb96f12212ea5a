{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entity = (reads + writes)[0] -%}
{%- set auth = cookiecutter.auth -%}
"""Replaying recorded {{ cookiecutter.title }} responses: a paged list, as the API sends it.

The cassette (cassettes/test_cassettes/) holds the API's answers with
credentials filtered out. README.md tells how to re-record it against a real
tenant: with ``{{ cookiecutter.__env }}_BASE_URL`` and the credentials set, run
``pytest tests/test_cassettes.py --record-mode=rewrite``.
"""

import os
from collections.abc import Iterator
{%- if auth == "oauth2" %}
from datetime import UTC, datetime, timedelta
{%- endif %}
from pathlib import Path

import pytest
{%- if auth == "oauth2" %}
from koppel.http import MemoryTokenStore, OAuthToken, TokenStore
{%- endif %}
{%- if entity in reads %}
from koppel.mapping import compile_mapping
from koppel.records import ENTITY_RECORDS, structure
{%- endif %}
{%- if auth == "oauth2" %}
from koppel.state import open_state
{%- endif %}
from koppel.sync import {{ "Connection, Direction" if entity in reads else "Connection" }}
from koppel.testing import find_secrets_in_cassettes
from vcr.cassette import Cassette

from {{ cookiecutter.__package }} import facts
from {{ cookiecutter.__package }}.plugin import connector

COLLECTION = facts.{{ entity.upper() }}
CASSETTES = Path(__file__).parent / "cassettes"


def env(name: str, default: str) -> str:
    """``{{ cookiecutter.__env }}_<name>`` from the environment (set when recording), else ``default``."""
    return os.environ.get(f"{{ cookiecutter.__env }}_{name}", default)
{%- if auth == "oauth2" %}


def token_store(connection: str) -> TokenStore:
    """Recording: the state file ``koppel auth`` kept the token in. Replaying: a fresh token."""
    path = os.environ.get("{{ cookiecutter.__env }}_STATE")
    if path:
        return open_state(path).token_store()
    store = MemoryTokenStore()
    expires = datetime.now(UTC) + timedelta(days=1)
    store.save(connection, OAuthToken("replayed-access", "replayed-refresh", expires))
    return store
{%- endif %}


@pytest.fixture
def connection() -> Iterator[Connection]:
    """A connection to the real API (recording) or to nothing at all (replaying)."""
    name = env("CONNECTION", "{{ cookiecutter.system }}")
    connection = Connection(
        name=name,
        system="{{ cookiecutter.system }}",
        settings={
            "base_url": env("BASE_URL", facts.BASE_URL),
{%- if auth == "oauth2" %}
            "client_id": env("CLIENT_ID", "replayed-client"),
{%- endif %}
{%- if cookiecutter.pagination != "odata" %}
            "page_size": 2,
{%- endif %}
        },
{%- if auth == "api_key" %}
        secrets={"api_key": env("API_KEY", "replayed-key")},
{%- elif auth == "bearer" %}
        secrets={"token": env("TOKEN", "replayed-token")},
{%- else %}
        secrets={"client_secret": env("CLIENT_SECRET", "replayed-secret")},
        token_store=token_store(name),
{%- endif %}
    )
    yield connection
    connection.close()


@pytest.mark.vcr
def test_cassette_replays_a_paged_list(
    vcr: Cassette, record_mode: str, connection: Connection
) -> None:
    rows = list(connector.session(connection).client.list(COLLECTION.path, {}))
    assert rows, "the cassette holds no records"
    ids = [str(row["id"]) for row in rows]
    assert len(set(ids)) == len(ids), "a record came twice"
    if record_mode == "none":
        assert vcr.play_count == 2 and vcr.all_played, "the list spans two recorded pages"
{%- if entity in reads %}
    spec = connector.default_mapping(connection, COLLECTION.name, Direction.INBOUND)
    assert spec is not None
    mapping = compile_mapping(spec, name=f"{{ cookiecutter.system }}/{COLLECTION.name}/inbound")
    for row in rows:
        structure(mapping.apply(row, record_id=str(row["id"])), ENTITY_RECORDS[COLLECTION.name])
{%- endif %}


def test_cassettes_hold_no_credentials() -> None:
    assert find_secrets_in_cassettes(CASSETTES) == []
