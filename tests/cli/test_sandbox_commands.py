"""Every command that runs a flow takes ``--sandbox``; the sandboxes' data is kept between
commands, so run -> plan -> parked retry can be walked on the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from koppel.cli import cli
from koppel.cli._kept import KEPT
from koppel.cli.run import SANDBOX_STATE, Sandboxes
from koppel.sandbox import Sandbox

EXAMPLES = Path(__file__).parents[2] / "examples"
PRODUCTS, STOCK, ORDERS = (
    str(EXAMPLES / f"{name}.toml")
    for name in (
        "accountview-products-to-eaccounting",
        "accountview-stock-to-eaccounting",
        "eaccounting-orders-to-accountview",
    )
)


@pytest.fixture(autouse=True)
def _demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("koppel_accountview")
    pytest.importorskip("koppel_eaccounting")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOPPEL_SECRET_KEY", raising=False)
    for name in ("EACCOUNTING_CLIENT_ID", "EACCOUNTING_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ACCOUNTVIEW_CLIENT_SECRET", raising=False)


def koppel(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_plan_and_dry_run_and_parked_retry_continue_from_the_kept_sandboxes() -> None:
    first = koppel("run", "--sandbox", PRODUCTS, STOCK, ORDERS)
    assert first.exit_code == 1, first.output  # order 1036 is parked
    assert Path(SANDBOX_STATE + KEPT).is_file()

    plan = koppel("plan", "--sandbox", ORDERS, "--full")
    assert plan.exit_code == 0, plan.output
    # The 11 orders written are in the kept AccountView sandbox: nothing to create.
    assert "plan: 0 to create, 0 to update, 0 to delete, 11 unchanged, 1 failing" in plan.output

    dry = koppel("run", "--sandbox", "--dry-run", "--full", ORDERS)
    assert dry.exit_code == 1, dry.output
    assert "0        0        0        11       1" in dry.output

    retried = koppel("parked", "retry", "--sandbox", ORDERS)
    assert retried.exit_code == 1, retried.output
    assert "1 parked record(s) of eaccounting-orders-to-accountview due now" in retried.output
    assert "AV-9999" in retried.output


def test_a_new_run_starts_the_sandboxes_afresh() -> None:
    assert koppel("run", "--sandbox", PRODUCTS).exit_code == 0
    again = koppel("run", "--sandbox", PRODUCTS)
    assert "0        12       0        0        0       0" in again.output


def test_kept_sandboxes_of_another_seed_are_refused() -> None:
    assert koppel("run", "--sandbox", "--seed", "3", PRODUCTS).exit_code == 0
    plan = koppel("plan", "--sandbox", "--seed", "4", PRODUCTS)
    assert plan.exit_code == 2 and "made with --seed 3" in plan.output


def test_seed_without_sandbox_is_a_usage_error() -> None:
    assert koppel("plan", "--seed", "4", PRODUCTS).exit_code == 2


def test_kept_data_keeps_counters_outside_the_store(tmp_path: Path) -> None:
    """An id counter of the sandbox (not of a collection) continues where it stopped."""
    path = tmp_path / "kept"
    first = Sandboxes.kept(path)
    box = first.box("accountview")
    numbers = box._keys["SO_HDR"]  # AccountView's order numbers
    issued = [next(numbers) for _ in range(3)]
    box.store["ARTICLE"].insert({"ART_CODE": "AV-9999", "ART_DESC1": "Koffiezetapparaat"})
    first.keep()

    second = Sandboxes.kept(path)
    again = second.box("accountview")
    assert next(again._keys["SO_HDR"]) == issued[-1] + 1
    assert again.store["ARTICLE"].get("AV-9999") is not None
    assert isinstance(again, Sandbox) and path.stat().st_mode & 0o077 == 0
