"""The key that encrypts secrets at rest: ``KOPPEL_SECRET_KEY``, else the OS keyring."""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, MultiFernet

from koppel.errors import ConfigurationError

__all__ = ["KEYRING_SERVICE", "KEYRING_USERNAME", "SECRET_KEY_ENV", "secret_cipher"]

SECRET_KEY_ENV = "KOPPEL_SECRET_KEY"
KEYRING_SERVICE = "koppel"
KEYRING_USERNAME = "state-secret-key"

_HOW = (
    f'set {SECRET_KEY_ENV} to a key made with `python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"` (keep it safe: without it the stored '
    "tokens cannot be read)"
)


def secret_cipher() -> MultiFernet:
    """The cipher for secrets at rest.

    ``KOPPEL_SECRET_KEY`` holds one Fernet key, or several separated by commas
    to rotate keys: the first encrypts, every one decrypts. Without it the key
    comes from the OS keyring when the ``keyring`` package is installed (a new
    key is created there on first use).
    """
    raw = os.environ.get(SECRET_KEY_ENV, "").strip()
    origin = SECRET_KEY_ENV
    if not raw:
        raw, origin = _keyring_key(), "the key in the OS keyring"
    try:
        return MultiFernet([Fernet(part.strip()) for part in raw.split(",") if part.strip()])
    except ValueError as exc:
        raise ConfigurationError(
            f"{origin} is not a Fernet key (32 url-safe base64-encoded bytes); {_HOW}"
        ) from exc


def _keyring_key() -> str:
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise ConfigurationError(
            f"no key to encrypt secrets in the state store: {_HOW}, "
            "or install the `keyring` package to keep the key in the OS keyring"
        ) from None
    try:
        key = keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
        if key is None:
            key = Fernet.generate_key().decode("ascii")
            keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, key)
    except keyring.errors.KeyringError as exc:
        raise ConfigurationError(
            f"no key to encrypt secrets in the state store and the OS keyring failed "
            f"({exc}): {_HOW}"
        ) from exc
    return str(key)
