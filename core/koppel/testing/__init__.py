"""Testing helpers for koppel and its connectors (also a pytest plugin).

- :class:`ConnectorTestSuite`: subclass it to give a connector the standard tests.
- :func:`vcr_config`: pytest-recording settings that keep secrets out of cassettes
  (also the ``koppel_vcr_config`` fixture); :class:`CountedReplays` counts the calls
  a cassette answers on the sandbox, for suites run against both.
- :class:`FakeClock`: time that moves only when slept on.
- :func:`served_sandbox`: ``koppel sandbox serve`` in a subprocess, for tests that
  run ``koppel`` in another process (:func:`koppel_command`) against it;
  :func:`authorize_flow` gets a flow pointed at served sandboxes its tokens.
- :func:`strict_contracts`, :func:`assert_no_violations` (and the
  ``koppel_strict_contracts`` fixture): a request that breaks a sandbox route's
  contract fails the test, even where the sandbox only ignores the field.
- :class:`StateTarget`, :func:`postgres_schema` (and the ``koppel_state_target`` and
  ``koppel_state_store`` fixtures): a state store on SQLite and on PostgreSQL in a
  schema of its own.

See docs/testing.md.
"""

from __future__ import annotations

from koppel.http import FakeClock
from koppel.testing._contracts import assert_no_violations, strict_contracts
from koppel.testing._served import ServedSandbox, authorize_flow, koppel_command, served_sandbox
from koppel.testing._state import StateTarget, postgres_schema
from koppel.testing._suite import ConnectorTestSuite
from koppel.testing._vcr import (
    SECRET_HEADERS,
    CountedReplays,
    find_secrets_in_cassettes,
    vcr_config,
)

__all__ = [
    "SECRET_HEADERS",
    "ConnectorTestSuite",
    "CountedReplays",
    "FakeClock",
    "ServedSandbox",
    "StateTarget",
    "assert_no_violations",
    "authorize_flow",
    "find_secrets_in_cassettes",
    "koppel_command",
    "postgres_schema",
    "served_sandbox",
    "strict_contracts",
    "vcr_config",
]
