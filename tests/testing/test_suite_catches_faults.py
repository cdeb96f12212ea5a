"""The standard suite fails connectors that break its rules (it is not a rubber stamp)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from koppel import hookimpl
from koppel.log import get_logger
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import attach_sandbox, sandbox_for
from koppel.sync import Connection
from koppel.system import SystemInfo
from koppel.testing import ConnectorTestSuite, find_secrets_in_cassettes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from example_connector import plugin as shopdemo
from example_connector.sandbox import API_KEY


class LeakyLogger:
    """Logs the API key under an innocent-looking name before every read."""

    @hookimpl(tryfirst=True)
    def fetch_records(self, connection: Connection, entity: str) -> None:
        get_logger().info("reading", note=f"using {connection.secrets['api_key']}")


class GenericErrors:
    """Swallows the API's message."""

    @hookimpl(wrapper=True)
    def upsert(self) -> Any:
        try:
            return (yield)
        except Exception as exc:
            from koppel.errors import RejectedError

            raise RejectedError("HTTP 422 Unprocessable Entity") from exc


def parts(*extra: object) -> tuple[ConnectorTestSuite, Any, Connection]:
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(shopdemo, "shopdemo")
    for number, plugin in enumerate(extra):
        pm.register(plugin, f"extra-{number}")
    connection = Connection(name="t", system="shopdemo", secrets={"api_key": API_KEY})
    attach_sandbox(connection, sandbox_for("shopdemo", pm=pm))
    suite = ConnectorTestSuite()
    return suite, pm.hooks_for("shopdemo"), connection


def test_suite_catches_secret_in_logs() -> None:
    suite, hooks, connection = parts(LeakyLogger())
    system = KoppelPluginManager()
    system.register(shopdemo, "shopdemo")
    with pytest.raises(AssertionError, match="a secret reached the logs"):
        suite.test_suite_no_secret_in_logs_or_cassettes(
            system.system("shopdemo"), hooks, connection
        )


def test_suite_catches_lost_api_message() -> None:
    _, hooks, connection = parts(GenericErrors())

    class WithRejected(ConnectorTestSuite):
        rejected = {"customers": {"name": "No e-mail"}}

    with pytest.raises(AssertionError, match="API's own message"):
        WithRejected().test_suite_rejection_is_record_error_with_api_message(hooks, connection)


def write_only(info: SystemInfo) -> SystemInfo:
    """``info`` with nothing readable, as a connector that only writes describes itself."""
    entities = tuple(attrs.evolve(e, read=False) for e in info.entities if e.write)
    return attrs.evolve(info, entities=entities)


class LeakyLookup:
    """Logs the API key while looking records up."""

    @hookimpl(tryfirst=True)
    def find_existing(self, connection: Connection) -> None:
        get_logger().info("looking up", note=f"using {connection.secrets['api_key']}")


def test_suite_write_only_connector_is_checked_through_lookups() -> None:
    suite, hooks, connection = parts()
    system = KoppelPluginManager()
    system.register(shopdemo, "shopdemo")
    info = write_only(system.system("shopdemo"))
    suite.test_suite_no_secret_in_logs_or_cassettes(info, hooks, connection)

    suite, hooks, connection = parts(LeakyLookup())
    with pytest.raises(AssertionError, match="a secret reached the logs"):
        suite.test_suite_no_secret_in_logs_or_cassettes(info, hooks, connection)


def test_suite_catches_secret_in_cassette(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "headers:\n  Authorization:\n  - Bearer eyJhbGciOiJSUzI1NiJ9.abc\n"
        'body: {string: \'{"refresh_token": "rt-live-123456"}\'}\n'
    )
    found = find_secrets_in_cassettes(tmp_path)
    assert len(found) == 2
    (tmp_path / "c.yaml").write_text(
        "headers:\n  Authorization:\n  - '[redacted]'\n"
        'body: {string: \'{"refresh_token": "[redacted]"}\'}\n'
    )
    assert find_secrets_in_cassettes(tmp_path) == []


class Cursors:
    """Gives the connector's records the cursors ``make(n)`` for n = 0, 1, ... in read order."""

    def __init__(self, make: Any) -> None:
        self.make = make

    @hookimpl(wrapper=True)
    def fetch_records(self) -> Any:
        records = yield
        return [attrs.evolve(r, cursor=self.make(n)) for n, r in enumerate(records)]


@pytest.mark.parametrize(
    "make",
    [
        lambda n: str(8 + n),  # "9" before "10": numbers, not strings
        lambda n: f"2024-05-01T{n // 60:02d}:{n % 60:02d}:00+00:00",
        lambda n: f"2024-05-01T{n // 60 + 2:02d}:{n % 60:02d}:00+02:00" if n % 2 else None,
    ],
)
def test_suite_accepts_cursors_that_never_go_back(make: Any) -> None:
    suite, hooks, connection = parts(Cursors(make))
    info = KoppelPluginManager()
    info.register(shopdemo, "shopdemo")
    sandbox = sandbox_for("shopdemo", pm=info)
    attach_sandbox(connection, sandbox)
    suite.test_suite_reads_every_entity_through_paging(
        info.system("shopdemo"), hooks, connection, sandbox
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda n: str(100 - n),
        lambda n: f"2024-05-01T{n % 3:02d}:00:00Z",
        lambda n: "b" if n % 2 else "a",
    ],
)
def test_suite_catches_cursors_that_go_back(make: Any) -> None:
    suite, hooks, connection = parts(Cursors(make))
    info = KoppelPluginManager()
    info.register(shopdemo, "shopdemo")
    sandbox = sandbox_for("shopdemo", pm=info)
    attach_sandbox(connection, sandbox)
    with pytest.raises(AssertionError, match="oldest first"):
        suite.test_suite_reads_every_entity_through_paging(
            info.system("shopdemo"), hooks, connection, sandbox
        )
