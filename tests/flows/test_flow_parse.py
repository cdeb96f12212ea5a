"""Flow files: parsing, validation errors that name file and key path, secrets, lookups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koppel.errors import ConfigurationError, FlowFileError
from koppel.flows import (
    Schedule,
    WriteRule,
    build_connection,
    is_reference,
    load_flow,
    parse_flow,
    resolve_reference,
)

GOOD = """
name = "shop-orders"
source = "shop"
target = "books"
entity = "orders"
order_type = "invoice"
schedule = "*/15 * * * *"
state = "state/koppel.sqlite3"

[connections.shop]
system = "easyparty"
settings = { base_url = "https://shop.example" }
credentials = { api_key = "env:SHOP_KEY" }

[connections.books]
system = "exact-online"
credentials = { client_secret = "keyring:koppel/exact" }

[filters]
status = ["paid"]

[settings]
default_debtor = 9999
concurrency = 2
write_rules = { name = "create_only" }

[mapping.outbound]
"Description" = "reference"

[lookups.payment_terms]
"14" = "NET14"

[lookups]
vat = "vat.csv"
"""


def write(tmp_path: Path, text: str, name: str = "flow.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_flow_parse_reads_every_section(tmp_path: Path) -> None:
    (tmp_path / "vat.csv").write_text("country,code\nNL,VH\nBE, VB \n")
    flow = load_flow(write(tmp_path, GOOD))
    assert (flow.name, flow.entity, flow.order_type) == ("shop-orders", "orders", "invoice")
    assert flow.source.system == "easyparty" and flow.target.name == "books"
    assert flow.source.credentials == {"api_key": "env:SHOP_KEY"}
    assert flow.filters == {"status": ["paid"]}
    assert flow.settings.default_debtor == "9999" and flow.settings.concurrency == 2
    assert flow.settings.write_rules == {"name": WriteRule.CREATE_ONLY}
    assert flow.mapping_overrides("outbound") == {"Description": "reference"}
    assert flow.lookups == {"payment_terms": {"14": "NET14"}, "vat": {"NL": "VH", "BE": "VB"}}
    assert flow.schedule == Schedule("*/15 * * * *")
    assert flow.state_location() == str(tmp_path / "state" / "koppel.sqlite3")
    assert flow.state_location("postgresql://db/x") == "postgresql://db/x"
    assert flow.warnings == ()


def test_flow_name_defaults_to_the_file_name(tmp_path: Path) -> None:
    text = GOOD.replace('name = "shop-orders"\n', "").replace('vat = "vat.csv"', "")
    assert load_flow(write(tmp_path, text, "nightly.toml")).name == "nightly"


@pytest.mark.parametrize(
    ("change", "path", "expected"),
    [
        (('entity = "orders"', "entity = 3"), "entity", "expected a non-empty string, got 3"),
        (('source = "shop"', 'source = "web"'), "source", "names connection 'web'"),
        (('system = "easyparty"', "system = 42"), "connections.shop.system", "expected a"),
        (("concurrency = 2", "concurrency = 0"), "settings.concurrency", "from 1 to 64"),
        (
            ("concurrency = 2", 'enrichment = "store 7"'),
            "settings.enrichment",
            "expected a table, got 'store 7'",
        ),
        (
            ("concurrency = 2", 'stock = { formla = "on_hand" }'),
            "settings.stock.formla",
            "unknown key; expected one of: formula, manages_stock, allow_negative",
        ),
        (
            ("concurrency = 2", 'stock = { allow_negative = "no" }'),
            "settings.stock.allow_negative",
            "expected true or false, got 'no'",
        ),
        (("concurrency = 2", "stock = { formula = 3 }"), "settings.stock.formula", "a non-empty"),
        (
            ("concurrency = 2", 'stock = { formula = "on_hand - bogus" }'),
            "settings.stock.formula",
            "unknown name 'bogus'",
        ),
        (('name = "create_only"', 'name = "sometimes"'), "settings.write_rules.name", "one of"),
        (('status = ["paid"]', "status = [1]"), "filters.status", "a list of status names"),
        (("*/15 * * * *", "every hour"), "schedule", "a cron expression of 5 fields"),
        (('vat = "vat.csv"', 'vat = "missing.csv"'), "lookups.vat", "does not exist"),
        (('order_type = "invoice"', 'ordertype = "invoice"'), "ordertype", "unknown key"),
        (("[mapping.outbound]", "[mapping.sideways]"), "mapping.sideways", "unknown key"),
    ],
)
def test_flow_error_names_file_key_path_and_expectation(
    tmp_path: Path, change: tuple[str, str], path: str, expected: str
) -> None:
    (tmp_path / "vat.csv").write_text("k,v\n")
    assert change[0] in GOOD
    file = write(tmp_path, GOOD.replace(change[0], change[1]))
    with pytest.raises(FlowFileError) as info:
        load_flow(file)
    assert info.value.context["file"] == str(file)
    assert info.value.context["path"] == path
    assert expected in info.value.message
    assert str(info.value).startswith(f"{path}: ")


def test_flow_file_that_is_not_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(FlowFileError, match=r"not valid TOML.*line 2"):
        load_flow(write(tmp_path, 'source = "a"\nthis is not toml\n'))


def test_flow_plain_secret_gets_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace('"env:SHOP_KEY"', '"s3cr3t"').replace(
        'base_url = "https://shop.example"', 'base_url = "https://x", password = "hunter2"'
    )
    (tmp_path / "vat.csv").write_text("k,v\n")
    flow = load_flow(write(tmp_path, text))
    assert len(flow.warnings) == 2
    assert "connections.shop.credentials.api_key is a plain secret" in flow.warnings[0]
    assert "connections.shop.settings.password looks like a plain secret" in flow.warnings[1]


def test_flow_credentials_resolve_only_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    flow = parse_flow(
        {
            "name": "f",
            "source": "a",
            "target": "b",
            "entity": "customers",
            "connections": {
                "a": {"system": "x", "credentials": {"token": "env:KOPPEL_TEST_TOKEN"}},
                "b": {"system": "y"},
            },
        }
    )
    monkeypatch.delenv("KOPPEL_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="KOPPEL_TEST_TOKEN is not set") as info:
        build_connection(flow.source)
    assert info.value.context["path"] == "connections.a.credentials.token"
    monkeypatch.setenv("KOPPEL_TEST_TOKEN", "abc")
    connection = build_connection(flow.source, settings={"default_debtor": "1"})
    assert connection.secrets == {"token": "abc"}
    assert connection.settings == {"default_debtor": "1"}
    assert "abc" not in repr(connection)


def test_flow_references_are_recognised_and_keyring_needs_service_and_name() -> None:
    assert is_reference("env:X") and is_reference("keyring:svc/name")
    assert not is_reference("plain")
    assert resolve_reference("plain") == "plain"
    with pytest.raises(ConfigurationError, match="expected keyring:service/name"):
        resolve_reference("keyring:only-service")


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_flow_lookup_files_in_json_and_toml(tmp_path: Path, suffix: str) -> None:
    table = {"NL": "21", "DE": "19"}
    text = json.dumps(table) if suffix == ".json" else 'NL = "21"\nDE = "19"\n'
    (tmp_path / f"rates{suffix}").write_text(text)
    flow = parse_flow(
        {
            "name": "f",
            "source": "a",
            "target": "b",
            "entity": "customers",
            "connections": {"a": {"system": "x"}, "b": {"system": "y"}},
            "lookups": {"rates": f"rates{suffix}"},
        },
        path=tmp_path / "f.toml",
    )
    assert flow.lookups["rates"] == table


def test_flow_lookup_csv_with_a_bad_row_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("k,v\na,b\nc,d,e\n")
    with pytest.raises(FlowFileError, match=r"t\.csv line 3: expected 2 columns"):
        parse_flow(
            {
                "name": "f",
                "source": "a",
                "target": "b",
                "entity": "customers",
                "connections": {"a": {"system": "x"}, "b": {"system": "y"}},
                "lookups": {"t": "t.csv"},
            },
            path=tmp_path / "f.toml",
        )


def _flow_with_lookup(value: str, tmp_path: Path) -> dict[str, object]:
    return {
        "name": "f",
        "source": "a",
        "target": "b",
        "entity": "customers",
        "connections": {"a": {"system": "x"}, "b": {"system": "y"}},
        "lookups": {"vat_codes": value},
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("x" * 10_000, "file name too long"),
        ("tables.csv", "is a directory"),
        ("~no-such-user-koppel/vat.csv", "cannot expand ~"),
        ("vat\0.csv", "nul character"),
    ],
)
def test_flow_lookup_file_that_cannot_be_read_names_the_key_path(
    tmp_path: Path, value: str, problem: str
) -> None:
    (tmp_path / "tables.csv").mkdir()
    with pytest.raises(FlowFileError) as info:
        parse_flow(_flow_with_lookup(value, tmp_path), path=tmp_path / "f.toml")
    assert info.value.context["path"] == "lookups.vat_codes"
    assert str(info.value).startswith("lookups.vat_codes: ")
    assert problem in info.value.message.lower()


def test_flow_lookup_file_without_permission_names_the_key_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vat.csv").write_text("k,v\n")

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(FlowFileError, match=r"(?i)^lookups.vat_codes: .*permission denied") as info:
        parse_flow(_flow_with_lookup("vat.csv", tmp_path), path=tmp_path / "f.toml")
    assert info.value.context["path"] == "lookups.vat_codes"
