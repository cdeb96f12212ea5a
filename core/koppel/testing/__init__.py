"""Testing helpers for koppel and its connectors (also a pytest plugin).

- :class:`ConnectorTestSuite`: subclass it to give a connector the standard tests.
- :func:`vcr_config`: pytest-recording settings that keep secrets out of cassettes
  (also the ``koppel_vcr_config`` fixture).
- :class:`FakeClock`: time that moves only when slept on.

See docs/testing.md.
"""

from __future__ import annotations

from koppel.http import FakeClock
from koppel.testing._suite import ConnectorTestSuite
from koppel.testing._vcr import SECRET_HEADERS, find_secrets_in_cassettes, vcr_config

__all__ = [
    "SECRET_HEADERS",
    "ConnectorTestSuite",
    "FakeClock",
    "find_secrets_in_cassettes",
    "vcr_config",
]
