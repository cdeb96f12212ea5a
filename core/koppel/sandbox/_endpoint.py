"""Where a served sandbox answers, and what a flow's connection needs to reach it.

``koppel sandbox serve --ready-file PATH`` writes a :class:`SandboxEndpoint` as
JSON once the server answers; ``koppel sandbox point``, ``koppel sandbox grant``
and :mod:`koppel.testing` read it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs
import httpx

from koppel.errors import AuthError, ConfigurationError

if TYPE_CHECKING:
    from koppel.sandbox._app import Sandbox

__all__ = ["SandboxEndpoint"]

#: Where the sandbox's authorize endpoint sends the browser (nothing listens there).
REDIRECT_URI = "http://127.0.0.1/callback"


@attrs.frozen(kw_only=True)
class SandboxEndpoint:
    """A served sandbox: its URL, the connection settings that point at it, its OAuth app.

    :param settings: what a flow's connection sets to reach it (``api_url``, ``base_url``, ...).
    :param client_id: the OAuth app the sandbox accepts (None without OAuth).
    :param credentials: the credentials it accepts otherwise (an API key, a token).
    :param options: how it was started (seed, volume, faults, ...), for the record.
    """

    system: str
    url: str
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=False)
    authorize_url: str | None = None
    token_url: str | None = None
    credentials: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    pid: int | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict)

    @classmethod
    def of(
        cls, sandbox: Sandbox, url: str, *, options: Mapping[str, Any] | None = None
    ) -> SandboxEndpoint:
        """The endpoint of ``sandbox`` served on ``url`` by this process."""
        oauth = sandbox.oauth
        return cls(
            system=sandbox.name,
            url=url,
            settings=sandbox.connection_settings(url),
            client_id=oauth.client_id if oauth else None,
            client_secret=oauth.client_secret if oauth else None,
            authorize_url=f"{url}{oauth.authorize_path}" if oauth else None,
            token_url=f"{url}{oauth.token_path}" if oauth else None,
            credentials=dict(sandbox.credentials),
            pid=os.getpid(),
            options=dict(options or {}),
        )

    @property
    def inspection_url(self) -> str:
        """The root of the test-only inspection routes."""
        return f"{self.url}/_sandbox"

    def to_json(self) -> str:
        """The endpoint as a JSON object (the ready file's content)."""
        data = attrs.asdict(self)
        data["inspection_url"] = self.inspection_url
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str, *, source: str = "ready file") -> SandboxEndpoint:
        """An endpoint from :meth:`to_json`'s output.

        :raises ConfigurationError: naming ``source`` when it is not one.
        """
        try:
            data = json.loads(text)
            fields = {f.name for f in attrs.fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in fields})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"{source} is not a sandbox's ready file: {exc}") from None

    def write(self, path: Path) -> None:
        """Write the ready file at once (a reader never sees half of it)."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(self.to_json() + "\n", encoding="utf-8")
        partial.replace(path)

    @classmethod
    def read(cls, path: Path, *, wait: float = 0.0) -> SandboxEndpoint:
        """The endpoint in the ready file ``path``, waiting up to ``wait`` seconds for it.

        :raises ConfigurationError: when the file does not appear or is not one.
        """
        deadline = time.monotonic() + wait
        while not path.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the ready file {path} ({exc.strerror}); is "
                f"`koppel sandbox serve SYSTEM --ready-file {path}` running?"
            ) from None
        return cls.from_json(text, source=str(path))

    def grant_code(self, *, timeout: float = 10.0) -> str:
        """A fresh authorization code, as a user granting access in the browser gets it.

        :raises AuthError: when the sandbox has no OAuth or its authorize endpoint refuses.
        """
        if not self.authorize_url or not self.client_id:
            raise AuthError(f"the {self.system} sandbox at {self.url} has no OAuth")
        query = urlencode({"client_id": self.client_id, "redirect_uri": REDIRECT_URI})
        try:
            answer = httpx.get(f"{self.authorize_url}?{query}", timeout=timeout)
        except httpx.HTTPError as exc:
            raise AuthError(
                f"the {self.system} sandbox at {self.url} does not answer ({exc})"
            ) from None
        codes = parse_qs(urlsplit(answer.headers.get("location", "")).query).get("code")
        if answer.status_code != 302 or not codes:
            raise AuthError(
                f"the {self.system} sandbox's authorize endpoint answered "
                f"{answer.status_code} without a code"
            )
        return str(codes[0])
