"""Catch an OAuth2 redirect on loopback, so the operator need not paste it.

``koppel auth`` listens on the redirect URI's host and port when that URI is a plain
``http`` loopback address (RFC 8252, section 7.3: native apps receive the
authorization response on a loopback port). The browser's request to the redirect
path is answered with a short page and its URL handed back; any other path is a 404.
The page says access was granted only when the redirect carries a code and the
``state`` koppel sent (a redirect with another state is handed back too, and refused).
"""

from __future__ import annotations

import html
import queue
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from koppel.errors import AuthError, ConfigurationError

__all__ = ["RedirectListener", "is_loopback_redirect"]

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_loopback_redirect(redirect_uri: str | None) -> bool:
    """Whether ``redirect_uri`` is an ``http`` URL on this machine that koppel can serve."""
    if not redirect_uri:
        return False
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


class RedirectListener:
    """A one-shot HTTP server on the redirect URI's loopback host and port.

    Use as a context manager; :meth:`wait` gives the redirect URL the browser was sent
    to, query string included.

    :param state: the ``state`` of the authorization request; a redirect with another
        one is answered with a page saying access was not granted.
    """

    def __init__(self, redirect_uri: str, *, state: str | None = None) -> None:
        if not is_loopback_redirect(redirect_uri):
            raise ConfigurationError(
                f"redirect URI {redirect_uri!r} is not an http URL on 127.0.0.1 or "
                "localhost, so koppel cannot catch it; paste the redirect URL instead "
                "(--no-listen)"
            )
        parts = urlsplit(redirect_uri)
        if parts.port is None:
            raise ConfigurationError(
                f"redirect URI {redirect_uri!r} names no port; register one such as "
                "http://127.0.0.1:8765/callback with the provider"
            )
        self.redirect_uri = redirect_uri
        self._host = "::1" if parts.hostname == "::1" else "127.0.0.1"
        self._port = parts.port
        self._path = parts.path or "/"
        self._state = state
        self._answers: queue.Queue[str] = queue.Queue()
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RedirectListener:
        handler = _handler(self._path, self._answers, self._state)
        server_class = _IPv6Server if self._host == "::1" else HTTPServer
        try:
            self._server = server_class((self._host, self._port), handler)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {self._host}:{self._port} for the redirect "
                f"({exc.strerror or exc}); free the port or paste the redirect URL "
                "instead (--no-listen)"
            ) from exc
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="koppel-auth-redirect", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wait(self, timeout: float) -> str:
        """The redirect URL the browser requested; :class:`AuthError` after ``timeout`` s."""
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            raise AuthError(
                f"no redirect reached {self.redirect_uri} within {timeout:g} s; run "
                "koppel auth again, or paste the redirect URL with --no-listen"
            ) from None


class _IPv6Server(HTTPServer):
    address_family = socket.AF_INET6


def _handler(
    path: str, answers: queue.Queue[str], state: str | None
) -> type[BaseHTTPRequestHandler]:
    """A request handler class that hands the redirect's URL to ``answers``."""

    class RedirectHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != path:
                self._answer(404, "Not the redirect path koppel listens on.")
                return
            query = parse_qs(parts.query)
            status = 200
            if "error" in query:
                text = "The provider refused access; see the terminal."
            elif state is not None and query.get("state", [""])[0] != state:
                status = 400
                text = (
                    "This redirect does not answer koppel's request (its state differs): "
                    "access was not granted; see the terminal."
                )
            elif "code" in query:
                text = "Access granted. You can close this window and return to the terminal."
            else:
                text = "This redirect holds no code; see the terminal."
            self._answer(status, text)
            answers.put(f"http://{self.headers.get('Host', '')}{self.path}")

        def _answer(self, status: int, text: str) -> None:
            body = (
                "<!doctype html><meta charset=utf-8><title>koppel auth</title>"
                f"<p>{html.escape(text)}</p>"
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the code in the URL must not reach the terminal or a log."""

    return RedirectHandler
