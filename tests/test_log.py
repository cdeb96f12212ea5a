import io
import json
import types
from collections.abc import Mapping

import structlog
from structlog.testing import capture_logs

from koppel.log import (
    REDACTED,
    configure_logging,
    get_logger,
    is_secret_key,
    needs_redacting,
    redact,
    redact_secrets,
)


def test_redact_hides_secrets_at_any_depth():
    event = {
        "headers": {"Authorization": "Bearer abc", "Accept": "json"},
        "body": [{"refresh_token": "r1", "name": "Jan"}],
        "api_key": "k",
    }
    assert redact(event) == {
        "headers": {"Authorization": REDACTED, "Accept": "json"},
        "body": [{"refresh_token": REDACTED, "name": "Jan"}],
        "api_key": REDACTED,
    }


def test_redact_processor_covers_top_level_keys():
    out = redact_secrets(None, "info", {"event": "x", "password": "p", "data": {"Secret": 1}})
    assert out == {"event": "x", "password": REDACTED, "data": {"Secret": REDACTED}}


def test_get_logger_binds_context():
    with capture_logs() as logs:
        get_logger(flow="orders", system="exact").info("fetched", count=3)
    assert logs == [
        {"flow": "orders", "system": "exact", "count": 3, "event": "fetched", "log_level": "info"}
    ]


def test_configure_logging_json_lines_are_redacted():
    stream = io.StringIO()
    try:
        configure_logging(json=True, level="info", stream=stream)
        get_logger(flow="f").info("auth", token="t0ps3cret")
        get_logger().debug("hidden at info level")
    finally:
        structlog.reset_defaults()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["token"] == REDACTED and line["flow"] == "f" and line["event"] == "auth"
    assert "t0ps3cret" not in stream.getvalue()


def test_redact_copies_only_what_holds_a_secret() -> None:
    clean = {"Id": 1, "Rows": [{"Article": {"Number": "A-1"}}], "Customer": {"Name": "Ann"}}
    assert redact(clean) is clean
    held = {"Id": 1, "Rows": [{"Token": "t"}, {"Name": "x"}], "Customer": {"Name": "Ann"}}
    out = redact(held)
    assert out["Rows"][0] == {"Token": REDACTED} and held["Rows"][0] == {"Token": "t"}
    assert out["Customer"] is held["Customer"] and out["Rows"][1] is held["Rows"][1]


def test_needs_redacting_says_when_redact_would_change_a_document() -> None:
    keys = ["Authorization", "X-Api-Key", "client_secret", "AfasToken", "Private_Key", "Cookie"]
    for key in keys:
        assert is_secret_key(key) and needs_redacting({"a": [1, {"b": ({key: 1},)}]})
    plain = {"CustomerIsPrivatePerson": False, "Api": "token", "Rows": [{"n": 1}, None]}
    assert not needs_redacting(plain) and redact(plain) is plain
    proxy = {"Rows": [types.MappingProxyType({"n": 1})]}  # redact makes it a dict
    assert needs_redacting(proxy) and redact(proxy)["Rows"] == [{"n": 1}]


class _DictProxy:
    """Stands in for a dict and says it is one (as wrapt's and werkzeug's proxies do)."""

    def __init__(self, wrapped: dict) -> None:
        self._wrapped = wrapped

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return dict

    def __getattr__(self, name: str):
        return getattr(self._wrapped, name)

    def __iter__(self):
        return iter(self._wrapped)

    def __len__(self) -> int:
        return len(self._wrapped)

    def __getitem__(self, key):
        return self._wrapped[key]


def test_needs_redacting_sees_a_proxy_and_a_mapping_registered_later() -> None:
    proxied = {"Customer": {"Logins": [_DictProxy({"password": "hunter2"})]}}
    assert needs_redacting(proxied)

    class Late:
        def __init__(self, data: dict) -> None:
            self.data = data

    assert not needs_redacting({"a": [Late({})]})  # not a mapping: its type's answer is kept
    Mapping.register(Late)
    assert needs_redacting({"a": [Late({"token": "x"})]})
