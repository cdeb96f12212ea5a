"""Clients share one TLS context per trust setting of the process."""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest

from koppel.http._client import _ssl_context


def test_clients_share_a_tls_context_until_the_trusted_roots_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    shared = _ssl_context()
    assert _ssl_context() is shared
    bundle = Path(certifi.where()).read_text()
    end = "-----END CERTIFICATE-----"
    one = tmp_path / "one.pem"
    one.write_text(
        bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)]
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(one))
    own = _ssl_context()
    assert own is not shared
    assert own.cert_store_stats()["x509_ca"] == 1
    assert shared.cert_store_stats()["x509_ca"] > 1
