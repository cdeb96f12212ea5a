{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entity = (reads + writes)[0] -%}
{%- set auth = cookiecutter.auth -%}
"""The {{ cookiecutter.title }} client against its sandbox: credentials, change tracking, lookups, facts."""

from collections.abc import Iterator

import pytest
from koppel.errors import AuthError, RejectedError
{%- if auth == "oauth2" %}
from koppel.http import MemoryTokenStore
{%- endif %}
from koppel.sandbox import ContractLog, Sandbox, attach_sandbox
from koppel.sync import Connection

from {{ cookiecutter.__package }} import facts
from {{ cookiecutter.__package }}.client import {{ cookiecutter.__class }}Client
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
    make_sandbox,
)

COLLECTION = facts.{{ entity.upper() }}
{%- if auth == "api_key" %}
SECRETS = {"api_key": DEMO_API_KEY}
{%- elif auth == "bearer" %}
SECRETS = {"token": DEMO_TOKEN}
{%- else %}
SETTINGS = {"client_id": DEMO_CLIENT_ID}
SECRETS = {"client_secret": DEMO_CLIENT_SECRET}
{%- endif %}


@pytest.fixture
def sandbox() -> Sandbox:
    return make_sandbox()


@pytest.fixture
def connection(sandbox: Sandbox) -> Iterator[Connection]:
    connection = Connection(
        name="{{ cookiecutter.system }}-test",
        system="{{ cookiecutter.system }}",
{%- if auth == "oauth2" %}
        settings=SETTINGS,
{%- endif %}
        secrets=SECRETS,
    )
    yield attach_sandbox(connection, sandbox)
    connection.close()


@pytest.fixture
def client(connection: Connection) -> {{ cookiecutter.__class }}Client:
    client: {{ cookiecutter.__class }}Client = connector.session(connection).client
    return client


def test_client_reads_only_what_changed_since_the_cursor(client: {{ cookiecutter.__class }}Client) -> None:
    rows = list(client.list(COLLECTION.path, {}))
    cursor = rows[-3]["modifiedAt"]
    changed = list(client.list(COLLECTION.path, {"modified_since": cursor}))
    assert [row["id"] for row in changed] == [row["id"] for row in rows[-3:]]


def test_client_looks_records_up_by_key_in_any_case(client: {{ cookiecutter.__class }}Client) -> None:
    key = COLLECTION.keys[0]
    rows = list(client.list(COLLECTION.path, {}))
    wanted = [str(rows[0][key]).upper(), str(rows[4][key]), "no-such-value"]
    found = client.lookup(COLLECTION.path, key, wanted)
    assert sorted(found) == sorted(wanted[:2])
    assert [row["id"] for row in found[wanted[1]]] == [rows[4]["id"]]


def test_sandbox_refuses_a_record_that_breaks_the_facts(
    client: {{ cookiecutter.__class }}Client, koppel_strict_contracts: ContractLog
) -> None:
    with pytest.raises(RejectedError, match=COLLECTION.keys[0]):
        client.create(COLLECTION.path, {"colour": "blue"})
    assert {v.kind for v in koppel_strict_contracts.take()} == {"missing", "unknown"}
{%- if auth == "oauth2" %}


def test_client_without_a_stored_token_is_told_to_authorise(connection: Connection) -> None:
    connection.token_store = MemoryTokenStore()
    with pytest.raises(AuthError, match="koppel auth"):
        list(connector.session(connection).client.list(COLLECTION.path, {}))


def test_client_refreshes_a_rotating_token_once(
    client: {{ cookiecutter.__class }}Client, connection: Connection, sandbox: Sandbox
) -> None:
    assert sandbox.oauth is not None and connection.token_store is not None
    first = connection.token_store.load(connection.name)
    list(client.list(COLLECTION.path, {}))
    sandbox.oauth.expire_access_tokens()
    list(client.list(COLLECTION.path, {}))
    assert sandbox.oauth.refreshes == 1
    assert first.refresh_token in sandbox.oauth.spent
    assert connection.token_store.load(connection.name).refresh_token != first.refresh_token
{%- else %}


def test_client_with_wrong_credentials_gets_an_auth_error(connection: Connection) -> None:
    connection.secrets = {name: "wrong" for name in SECRETS}
    with pytest.raises(AuthError, match="invalid"):
        list(connector.session(connection).client.list(COLLECTION.path, {}))
{%- endif %}
