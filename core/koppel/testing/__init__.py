"""Testing helpers for koppel and its connectors (also a pytest plugin).

- :class:`ConnectorTestSuite`: subclass it to give a connector the standard tests.
- :func:`vcr_config`: pytest-recording settings that keep secrets out of cassettes
  (also the ``koppel_vcr_config`` fixture).
- :class:`FakeClock`: time that moves only when slept on.
- :func:`served_sandbox`: ``koppel sandbox serve`` in a subprocess, for tests that
  run ``koppel`` in another process (:func:`koppel_command`) against it;
  :func:`authorize_flow` gets a flow pointed at served sandboxes its tokens.

See docs/testing.md.
"""

from __future__ import annotations

from koppel.http import FakeClock
from koppel.testing._served import ServedSandbox, authorize_flow, koppel_command, served_sandbox
from koppel.testing._suite import ConnectorTestSuite
from koppel.testing._vcr import SECRET_HEADERS, find_secrets_in_cassettes, vcr_config

__all__ = [
    "SECRET_HEADERS",
    "ConnectorTestSuite",
    "FakeClock",
    "ServedSandbox",
    "authorize_flow",
    "find_secrets_in_cassettes",
    "koppel_command",
    "served_sandbox",
    "vcr_config",
]
