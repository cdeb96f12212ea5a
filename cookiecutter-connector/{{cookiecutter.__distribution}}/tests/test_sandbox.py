{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entity = (reads + writes)[0] -%}
{%- set auth = cookiecutter.auth -%}
"""The {{ cookiecutter.title }} client against its sandbox: credentials, change tracking, limits."""

import pytest
from koppel.errors import AuthError
from koppel.sandbox import Sandbox, attach_sandbox
from koppel.sync import Connection

from {{ cookiecutter.__package }}.client import RATE_LIMIT_HEADERS, client_for, list_records
from {{ cookiecutter.__package }}.demo import RECORDS
from {{ cookiecutter.__package }}.resources import RESOURCES
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

ENTITY = "{{ entity }}"
{%- if auth == "api_key" %}
SECRETS = {"api_key": DEMO_API_KEY}
WRONG = {"api_key": "not-the-key"}
{%- elif auth == "bearer" %}
SECRETS = {"token": DEMO_TOKEN}
WRONG = {"token": "not-the-token"}
{%- else %}
SETTINGS = {"client_id": DEMO_CLIENT_ID}
SECRETS = {"client_secret": DEMO_CLIENT_SECRET}
{%- endif %}


@pytest.fixture
def sandbox() -> Sandbox:
    return make_sandbox(seed=1)


@pytest.fixture
def connection(sandbox: Sandbox) -> Connection:
    connection = Connection(
        name="{{ cookiecutter.system }}-test",
        system="{{ cookiecutter.system }}",
{%- if auth == "oauth2" %}
        settings=SETTINGS,
{%- endif %}
        secrets=SECRETS,
    )
    return attach_sandbox(connection, sandbox)


def test_client_reads_every_demo_record(connection: Connection) -> None:
    rows = list(list_records(connection, ENTITY))
    assert len(rows) == RECORDS
    assert len({row["id"] for row in rows}) == RECORDS


def test_client_reads_only_what_changed_since_the_cursor(connection: Connection) -> None:
    rows = list(list_records(connection, ENTITY))
    cursor = rows[-3]["modifiedAt"]
    changed = list(list_records(connection, ENTITY, {"modified_since": cursor}))
    assert [row["id"] for row in changed] == [row["id"] for row in rows[-3:]]


def test_client_finds_records_by_match_field(connection: Connection) -> None:
    field = next(iter(RESOURCES[ENTITY].match_fields.values()))
    rows = list(list_records(connection, ENTITY))
    wanted = [str(rows[0][field]), str(rows[4][field])]
    found = list(list_records(connection, ENTITY, {field: ",".join(wanted)}))
    assert sorted(str(row[field]) for row in found) == sorted(wanted)


def test_sandbox_answers_with_rate_limit_headers(connection: Connection) -> None:
    response = client_for(connection).get(RESOURCES[ENTITY].path.lstrip("/"))
    assert response.status_code == 200
    assert RATE_LIMIT_HEADERS.minute_remaining in response.headers
{%- if auth == "oauth2" %}


def test_client_without_a_stored_token_is_told_to_authorise(sandbox: Sandbox) -> None:
    connection = Connection(
        name="{{ cookiecutter.system }}-new",
        system="{{ cookiecutter.system }}",
        settings=SETTINGS,
        secrets=SECRETS,
    )
    attach_sandbox(connection, sandbox)
    assert connection.token_store is not None
    connection.token_store = type(connection.token_store)()
    with pytest.raises(AuthError, match="koppel auth"):
        list(list_records(connection, ENTITY))


def test_client_refreshes_a_rotating_token_once(connection: Connection, sandbox: Sandbox) -> None:
    assert sandbox.oauth is not None and connection.token_store is not None
    first = connection.token_store.load(connection.name)
    list(list_records(connection, ENTITY))
    sandbox.oauth.expire_access_tokens()
    rows = list(list_records(connection, ENTITY))
    assert len(rows) == RECORDS
    assert sandbox.oauth.refreshes == 1
    assert first.refresh_token in sandbox.oauth.spent
    assert connection.token_store.load(connection.name).refresh_token != first.refresh_token
{%- else %}


def test_client_with_wrong_credentials_gets_an_auth_error(sandbox: Sandbox) -> None:
    connection = Connection(
        name="{{ cookiecutter.system }}-test",
        system="{{ cookiecutter.system }}",
        secrets=WRONG,
    )
    attach_sandbox(connection, sandbox)
    with pytest.raises(AuthError, match="invalid"):
        list(list_records(connection, ENTITY))
{%- endif %}
