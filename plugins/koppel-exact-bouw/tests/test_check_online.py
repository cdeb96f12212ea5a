"""``koppel check --online``: Heimdall says whether the key logs in and the list answers."""

from __future__ import annotations

import pytest

from koppel.errors import AuthError
from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_exact_bouw.plugin import connector
from koppel_exact_bouw.sandbox import ExactBouwSandbox

from .conftest import SETTINGS


def test_check_online_logs_in_and_reads_one_row(
    connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    note = connector.check_online(connection=connection, entity="commitments", direction="read")
    assert note == "logged in; /list/purchase-order-contracts answers (12 rows)"
    assert all(method != "PUT" and "invoice" not in path for method, path in sandbox.calls)


def test_check_online_names_a_refused_key(sandbox: ExactBouwSandbox) -> None:
    wrong = Connection(
        name="bouw", system="exact-bouw", settings=dict(SETTINGS), secrets={"api_key": "nope"}
    )
    attach_sandbox(wrong, sandbox)
    with pytest.raises(AuthError, match="login was refused"):
        connector.check_online(connection=wrong, entity="relations", direction="write")
