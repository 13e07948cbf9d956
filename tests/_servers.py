"""Small stdlib servers on loopback for the tests that need a target misbehaving in one exact way."""

from __future__ import annotations

import contextlib
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server


class _Answer(ServerHandler):
    def log_exception(self, exc_info: Any) -> None:
        """A client that went away mid-answer (an SSL EOF, a reset: OSErrors) is its test's to report, as the
        tests of bounded reads do on purpose; an exception of the app's own is printed."""
        if not isinstance(exc_info[1], OSError):
            super().log_exception(exc_info)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def handle(self) -> None:
        """The stdlib's, answering through _Answer."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Answer(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False)
        handler.request_handler = self  # as the stdlib's, for log_request
        handler.run(self.server.get_app())


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    tls: ssl.SSLContext | None = None

    def get_request(self) -> Any:
        sock, address = super().get_request()
        if self.tls is not None:  # the handshake happens on the first read, in the connection's thread
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A handshake the client refused (the tests of untrusted certificates do it on purpose), a reset or a
        timeout is the client's to report, as the mock's server treats them; anything else is printed."""
        if not isinstance(sys.exc_info()[1], OSError):  # ssl.SSLError is an OSError
            super().handle_error(request, client_address)


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
