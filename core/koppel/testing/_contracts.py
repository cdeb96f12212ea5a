"""Strict contracts in tests: a request that breaks its route's contract fails the test.

A sandbox refuses what the real API refuses, but a field the API ignores, or a
handler that is lenient, would let a wrong request pass. In strict mode every
violation fails the test::

    from koppel.testing import strict_contracts

    def test_orders_land(sandbox):
        with strict_contracts():
            run_the_flow(sandbox)

or, for every test of a plugin, in its ``conftest.py``::

    @pytest.fixture(autouse=True)
    def _strict(koppel_strict_contracts):
        pass

A test that sends a bad request on purpose takes its violations
(``koppel_strict_contracts.take()``) or is marked ``allow_contract_violations``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from koppel.sandbox import ContractLog, Sandbox, watch_contracts

__all__ = ["assert_no_violations", "strict_contracts"]

_SHOWN = 20


def assert_no_violations(*sources: Sandbox | ContractLog) -> None:
    """Fail, listing them, when a sandbox or log holds contract violations.

    :raises AssertionError: one line per violation (the first 20).
    """
    __tracebackhide__ = True
    found = [v for s in sources for v in s.violations]
    if not found:
        return
    lines = [f"  {v}" for v in found[:_SHOWN]]
    if len(found) > _SHOWN:
        lines.append(f"  ... and {len(found) - _SHOWN} more")
    raise AssertionError(
        f"{len(found)} contract violation(s) in requests to sandboxes:\n" + "\n".join(lines)
    )


@contextmanager
def strict_contracts() -> Iterator[ContractLog]:
    """Watch every sandbox in this process; on leaving, fail if a request broke a contract.

    Sandboxes served in another process (``koppel sandbox serve``) are not watched.
    """
    with watch_contracts() as log:
        yield log
    assert_no_violations(log)
