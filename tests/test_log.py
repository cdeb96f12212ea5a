import io
import json

import structlog
from structlog.testing import capture_logs

from koppel.log import REDACTED, configure_logging, get_logger, redact, redact_secrets


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
