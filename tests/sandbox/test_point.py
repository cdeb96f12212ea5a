"""``point_flow``, ``koppel sandbox point`` and ``grant``: a flow copy for served sandboxes."""

from __future__ import annotations

import threading
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from koppel.cli import main
from koppel.cli.sandbox import serve_until
from koppel.errors import ConfigurationError
from koppel.flows import load_flow
from koppel.sandbox import SERVED_STATE, SandboxEndpoint, point_flow, sandbox_for
from koppel.sandbox._point import _toml_document

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "eaccounting-orders-to-accountview.toml"


def endpoint(system: str, url: str) -> SandboxEndpoint:
    return SandboxEndpoint.of(sandbox_for(system), url)


def test_point_flow_sets_each_connections_settings_and_app(tmp_path: Path) -> None:
    ea, av = endpoint("eaccounting", "http://127.0.0.1:1"), endpoint("accountview", "http://h:2")
    pointed = point_flow(ORDERS, tmp_path / "served" / "orders.toml", [ea, av])
    flow = load_flow(pointed.path)
    assert flow.source.settings["api_url"] == "http://127.0.0.1:1/v2/"
    assert flow.source.settings["identity_url"] == "http://127.0.0.1:1"
    assert flow.target.settings["base_url"] == "http://h:2/api/v3"
    assert flow.target.settings["authorize_url"] == "http://h:2/api/v3/authorize"
    assert flow.target.settings["client_id"] == "sandbox-client"  # a setting: replaced
    assert flow.source.credentials == {  # credentials stay references ...
        "client_id": "env:EACCOUNTING_CLIENT_ID",
        "client_secret": "env:EACCOUNTING_CLIENT_SECRET",
    }
    assert pointed.env == {  # ... whose values the copy needs
        "EACCOUNTING_CLIENT_ID": "koppel-sandbox",
        "EACCOUNTING_CLIENT_SECRET": "koppel-sandbox-secret",
        "ACCOUNTVIEW_CLIENT_SECRET": "sandbox-secret",
    }
    assert pointed.connections == {"eaccounting": ea, "accountview": av}
    assert flow.state_location() == str(tmp_path / "served" / SERVED_STATE)
    original = load_flow(ORDERS)
    assert (flow.name, flow.entity, flow.filters, flow.lookups, flow.mapping) == (
        original.name,
        original.entity,
        original.filters,
        original.lookups,
        original.mapping,
    )


def test_point_flow_gives_a_keyed_sandboxs_credentials_through_the_environment(
    tmp_path: Path,
) -> None:
    pytest.importorskip("koppel_afas")
    afas = endpoint("afas", "http://127.0.0.1:3")
    ready = SandboxEndpoint.from_json(afas.to_json())
    assert ready.credentials == afas.credentials and "token" in ready.credentials
    pointed = point_flow(
        ROOT / "examples" / "afas-commitments.toml", tmp_path / "commitments.toml", [ready]
    )
    assert load_flow(pointed.path).source.credentials == {"token": "env:AFAS_TOKEN"}
    assert pointed.env == {"AFAS_TOKEN": afas.credentials["token"]}


def test_point_flow_keeps_lookup_files_and_makes_keyring_references_env(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "vat.json").write_text('{"NL:21": "2"}')
    flow_file = tmp_path / "flows" / "orders.toml"
    flow_file.write_text(
        ORDERS.read_text()
        .replace('"env:EACCOUNTING_CLIENT_SECRET"', '"keyring:koppel/ea-secret"')
        .replace("[lookups.vat_codes]", '[lookups]\nvat_file = "vat.json"\n\n[lookups.vat_codes]')
    )
    ea = endpoint("eaccounting", "http://127.0.0.1:1")
    pointed = point_flow(flow_file, tmp_path / "copy.toml", [ea], state="elsewhere.sqlite3")
    flow = load_flow(pointed.path)
    assert flow.lookups["vat_file"] == {"NL:21": "2"}
    variable = "KOPPEL_SANDBOX_EACCOUNTING_CLIENT_SECRET"
    assert flow.source.credentials["client_secret"] == f"env:{variable}"
    assert pointed.env[variable] == "koppel-sandbox-secret"
    assert flow.target.settings["client_id"] == "your-accountview-api-key"  # not pointed
    assert flow.state == str(Path("elsewhere.sqlite3").resolve())


def test_point_flow_refuses_an_endpoint_it_cannot_use(tmp_path: Path) -> None:
    ea = endpoint("eaccounting", "http://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="two served sandboxes for system"):
        point_flow(ORDERS, tmp_path / "x.toml", [ea, ea])
    exact = endpoint("exact-online", "http://127.0.0.1:3")
    with pytest.raises(ConfigurationError, match="uses system exact-online"):
        point_flow(ORDERS, tmp_path / "x.toml", [exact])


def test_point_toml_round_trips_what_a_flow_file_can_hold() -> None:
    data = {
        "name": "odd",
        "quoted": 'say "hi"\\ \t\x7f é',
        "numbers": [1, -2.5, float("inf"), True],
        "when": datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        "table": {"dotted.key": {"deep": {}}, "rows": [{"a": 1}, {"b": [1, 2]}]},
        "empty": {},
    }
    assert tomllib.loads(_toml_document(data)) == data


def test_cli_sandbox_point_and_grant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = sandbox_for("eaccounting")
    ready = tmp_path / "ea.json"
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_until, args=(box, "127.0.0.1", 0, stop), kwargs={"ready_file": ready}
    )
    thread.start()
    try:
        out = tmp_path / "orders.toml"
        args = ["sandbox", "point", str(ORDERS), "--served", str(ready), "--out", str(out)]
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
        printed = capsys.readouterr().out
        assert "export EACCOUNTING_CLIENT_ID=koppel-sandbox" in printed
        url = SandboxEndpoint.read(ready).url
        assert load_flow(out).source.settings["api_url"] == f"{url}/v2/"
        with pytest.raises(SystemExit) as info:
            main(["sandbox", "grant", str(ready)])
        code = capsys.readouterr().out.strip()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "koppel-sandbox",
            "client_secret": "koppel-sandbox-secret",
        }
        token = httpx.post(f"{url}/connect/token", data=form)
        assert token.status_code == 200 and token.json()["refresh_token"]
    finally:
        stop.set()
        thread.join(timeout=5)


def test_cli_sandbox_point_with_a_bad_ready_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ready = tmp_path / "bad.json"
    ready.write_text("[1]")
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "point", str(ORDERS), "--served", str(ready), "--out", "x.toml"])
    assert info.value.code == 2
    assert "is not a sandbox's ready file" in capsys.readouterr().err
    with pytest.raises(ConfigurationError, match="cannot read the ready file"):
        SandboxEndpoint.read(tmp_path / "none.json")
