"""``koppel check`` on the purchase side and the relation queue: a missing UBL folder, the
administrations of koppel.toml (one source per kind of master data) and a relations
flow's ``[settings.relations]``, each named before a run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

import koppel.plugins
from koppel.cli import cli, main
from koppel.engine.memory import MemorySystem
from koppel.plugins import KoppelPluginManager
from koppel.purchase import booking, register, ubl

INVOICES = """
name = "purchase-invoices"
source = "inbox"
target = "books"
entity = "purchase_invoices"
state = "{state}"

[connections.inbox]
system = "ubl"
settings = {{ folder = "{folder}", administration = "acme" }}

[connections.books]
system = "booking"
settings = {{ creditor_account = "1600", vat_account = "1510" }}
"""

COMMITMENTS = """
name = "{name}"
source = "erp"
target = "register"
entity = "commitments"
state = "{state}"

[connections.erp]
system = "{system}"

[connections.register]
system = "register"
settings = {{ source_system = "{system}" }}
"""

RELATIONS = """
name = "relations"
source = "erp"
target = "books"
entity = "relations"
state = "{state}"

[settings.relations]
{relations}

[connections.erp]
system = "afas"

[connections.books]
system = "books"
"""


@pytest.fixture(autouse=True)
def systems(monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in purchase systems and in-memory afas, exact-bouw and books."""
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    manager = KoppelPluginManager()
    manager.load_builtins()
    for name, plugin in (("ubl", ubl.connector), ("register", register.connector)):
        manager.register(plugin, name)
    manager.register(booking.connector, "booking")
    for name in ("afas", "exact-bouw", "books"):
        manager.register(
            MemorySystem(name, entities={"commitments": ("code",), "relations": ("code",)}), name
        )
    monkeypatch.setattr(koppel.plugins, "_manager", manager)


def project(tmp_path: Path, administrations: str) -> Path:
    """A project in ``tmp_path``: koppel.toml and its flows folder with the invoices
    flow (its UBL folder made) and commitments flows from afas and exact-bouw."""
    (tmp_path / "koppel.toml").write_text(
        f'[project]\nstate = "state.sqlite3"\n\n{administrations}', encoding="utf-8"
    )
    flows = tmp_path / "flows"
    flows.mkdir()
    (tmp_path / "inbox").mkdir()
    state = tmp_path / "state.sqlite3"
    (flows / "purchase-invoices.toml").write_text(
        INVOICES.format(state=state, folder=tmp_path / "inbox"), encoding="utf-8"
    )
    for name, system in (("afas-commitments", "afas"), ("bouw-commitments", "exact-bouw")):
        (flows / f"{name}.toml").write_text(
            COMMITMENTS.format(name=name, system=system, state=state), encoding="utf-8"
        )
    return flows


def check(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def test_a_missing_ubl_folder_is_named_before_a_run(tmp_path: Path) -> None:
    flow = tmp_path / "invoices.toml"
    missing = tmp_path / "nowhere"
    flow.write_text(INVOICES.format(state=tmp_path / "s.sqlite3", folder=missing))
    result = check(str(flow))
    assert result.exit_code == 2
    assert (
        f"FAIL  settings of inbox: the UBL folder '{missing}' does not exist or is not a folder"
    ) in result.output
    assert f"file={flow}, connection=inbox, path=connections.inbox.settings.folder" in (
        result.output
    )
    missing.mkdir()
    ready = check(str(flow))
    assert ready.exit_code == 0, ready.output
    assert "ok    settings of inbox" in ready.output


def test_two_sources_of_commitments_in_one_administration_are_refused_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = project(
        tmp_path,
        '[administrations.acme]\nflows = ["purchase-invoices", "afas-commitments", '
        '"bouw-commitments"]\nmulti_erp = true\n',
    )
    monkeypatch.chdir(tmp_path)
    result = check("purchase-invoices")
    assert result.exit_code == 2
    assert (
        "FAIL  administration acme: two sources of commitments: flow afas-commitments "
        f"({flows / 'afas-commitments.toml'}) reads them from afas, flow bouw-commitments "
        f"({flows / 'bouw-commitments.toml'}) from exact-bouw"
    ) in result.output
    assert f"file={tmp_path / 'koppel.toml'}" in result.output
    # Each commitments flow is refused too: the check is about the administration.
    assert check("bouw-commitments").exit_code == 2


def test_a_flow_that_brings_a_kind_from_another_system_than_declared_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = project(
        tmp_path,
        '[administrations.acme]\nflows = ["purchase-invoices", "bouw-commitments"]\n'
        'master_data = { commitments = "afas" }\n',
    )
    monkeypatch.chdir(tmp_path)
    result = check("purchase-invoices")
    assert result.exit_code == 2
    assert (
        "FAIL  administration acme: commitments come from afas, but flow bouw-commitments "
        f"({flows / 'bouw-commitments.toml'}) brings them from exact-bouw"
    ) in result.output
    assert "path=administrations.acme.master_data.commitments" in result.output


def test_an_administration_with_one_source_per_kind_is_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(
        tmp_path,
        '[administrations.acme]\nflows = ["purchase-invoices", "afas-commitments"]\n'
        'multi_erp = true\nmaster_data = { commitments = "afas", articles = "afas" }\n\n'
        '[administrations.beta]\nflows = ["bouw-commitments"]\n',
    )
    monkeypatch.chdir(tmp_path)
    result = check("purchase-invoices")
    assert result.exit_code == 0, result.output
    assert (
        "ok    administration acme (Multi ERP on; articles from afas; commitments from afas)"
    ) in result.output
    other = check("bouw-commitments")
    assert "ok    administration beta (Multi ERP off; commitments from exact-bouw)" in other.output


def test_an_export_of_the_other_form_than_multi_erp_gives_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = project(tmp_path, '[administrations.acme]\nflows = ["purchase-invoices", "to-erp"]\n')
    (flows / "to-erp.toml").write_text(
        'name = "to-erp"\nsource = "books"\ntarget = "erp"\nentity = "journal_entries"\n\n'
        '[connections.books]\nsystem = "booking"\n\n[connections.erp]\nsystem = "books"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = check("purchase-invoices")
    assert result.exit_code == 2
    assert (
        f"FAIL  administration acme: flow to-erp ({flows / 'to-erp.toml'}) exports "
        "journal_entries, but with Multi ERP off the administration's bookings go out as "
        "purchase_invoices"
    ) in result.output
    assert "path=administrations.acme.multi_erp" in result.output


def test_a_flow_in_two_administrations_or_one_the_project_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(
        tmp_path,
        '[administrations.acme]\nflows = ["purchase-invoices"]\n\n'
        '[administrations.beta]\nflows = ["purchase-invoices", "gone"]\n',
    )
    monkeypatch.chdir(tmp_path)
    result = check("purchase-invoices")
    assert result.exit_code == 2
    assert "flow purchase-invoices is in 2 administrations (acme, beta)" in result.output
    (tmp_path / "koppel.toml").write_text(
        '[administrations.beta]\nflows = ["purchase-invoices", "gone"]\n', encoding="utf-8"
    )
    missing = check("purchase-invoices")
    assert missing.exit_code == 2
    assert "FAIL  administration beta: no flow 'gone' in the project" in missing.output
    assert "path=administrations.beta.flows" in missing.output


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("multi_erp = 'yes'", "expected true or false, got 'yes'"),
        ("master_data = { stock = 'afas' }", "unknown kind of master data"),
        ("finance = 'exact'", "unknown key; an administration has flows, multi_erp"),
    ],
)
def test_a_wrong_administration_table_names_the_key_and_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    expected: str,
) -> None:
    project(tmp_path, f"[administrations.acme]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_code:
        main(["check", "flows/purchase-invoices.toml"])
    assert exit_code.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {expected}")
    assert f"file={tmp_path / 'koppel.toml'}, path=administrations.acme." in error


@pytest.mark.parametrize(
    ("relations", "expected"),
    [
        ('export = "csv"', "settings.relations.export is direct or xml, not 'csv'"),
        ("debtor_numbers = [20, 10]", "settings.relations.debtor_numbers must be [first, last]"),
        ("colour = 1", "settings.relations.colour unknown key"),
    ],
)
def test_a_relations_flows_settings_are_checked_naming_key_and_file(
    tmp_path: Path, relations: str, expected: str
) -> None:
    flow = tmp_path / "relations.toml"
    flow.write_text(RELATIONS.format(state=tmp_path / "s.sqlite3", relations=relations))
    result = check(str(flow))
    assert result.exit_code == 2
    assert f"FAIL  settings.relations: {expected}" in result.output
    assert f"file={flow}" in result.output


def test_good_relation_settings_are_shown(tmp_path: Path) -> None:
    flow = tmp_path / "relations.toml"
    relations = 'export = "xml"\ndebtor_numbers = [10000, 19999]'
    flow.write_text(RELATIONS.format(state=tmp_path / "s.sqlite3", relations=relations))
    result = check(str(flow))
    assert "ok    settings.relations (export xml, debtors 10000-19999)" in result.output
