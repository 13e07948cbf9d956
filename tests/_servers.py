"""Small stdlib servers on loopback for the tests that need a target misbehaving in one exact way."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    tls: ssl.SSLContext | None = None

    def get_request(self) -> Any:
        sock, address = super().get_request()
        if self.tls is not None:  # the handshake happens on the first read, in the connection's thread
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


@contextlib.contextmanager
def serve(app: Callable[..., Any], tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 in a thread (over TLS with a server context `tls`); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    server.tls = tls
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def write_spec(path: Any, paths: dict[str, Any]) -> str:
    """A minimal OpenAPI 3.0 document with `paths`, written as JSON; returns its path."""
    import json

    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}))
    return str(path)


# A list operation's documented answer: the VoIPBIN list envelope.
LIST_RESPONSES = {
    "200": {
        "description": "ok",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["result", "next_page_token"],
                    "properties": {"result": {"type": "array", "items": {}}, "next_page_token": {"type": "string"}},
                }
            }
        },
    },
    "400": {"description": "bad request"},
}
