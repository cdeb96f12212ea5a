"""Serving a sandbox over real HTTP on loopback, in a background thread."""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

from koppel.sandbox._inspect import inspection_answer

if TYPE_CHECKING:
    from koppel.sandbox._app import Sandbox

__all__ = ["SandboxServer"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class _QuietServer(ThreadingHTTPServer):
    """Says nothing when a client goes away mid-request (a killed ``koppel run``)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SandboxServer:
    """A running HTTP server for one sandbox; a context manager that stops it on exit.

    Injected connection faults become real ones: a reset closes the socket with
    an RST, a time-out holds the request ``timeout_delay`` seconds and closes it.
    Paths under ``/_sandbox/`` are the test-only inspection routes
    (:mod:`koppel.sandbox._inspect`), answered beside the emulated API.
    """

    def __init__(
        self, sandbox: Sandbox, host: str, port: int, *, timeout_delay: float = 2.0
    ) -> None:
        self.sandbox = sandbox
        self.timeout_delay = timeout_delay
        self._httpd = _QuietServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:8765``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        """Start serving in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"sandbox-{self.sandbox.name}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet by default
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = httpx.Request(
                self.command,
                server.url + self.path,
                headers=[(k, v) for k, v in self.headers.items()],
                content=body,
            )
            try:
                response = inspection_answer(server.sandbox, self.command, request.url.path)
                if response is None:
                    response = server.sandbox.handle(request)
            except httpx.TimeoutException:
                time.sleep(server.timeout_delay)
                self._abort()
                return
            except httpx.TransportError:
                self._abort()
                return
            content = response.read()
            self.send_response(response.status_code, response.reason_phrase)
            for key, value in response.headers.items():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _abort(self) -> None:
            self.close_connection = True
            linger = struct.pack("ii", 1, 0)  # close with RST: "connection reset by peer"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.connection.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    return Handler
