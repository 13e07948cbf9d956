"""Serving the mock over HTTP: a threaded http.server with HTTP/1.1 keep-alive that calls `MockApp.handle`.

werkzeug's development server closes every connection (it drains the socket after each answer, which would eat
the next request), so a run against it paid a new TCP connection and a new thread for every request.
"""

from __future__ import annotations

import argparse
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.mock._wire import answer_headers
from conformance.mock.app import MockApp

MAX_REQUEST_BYTES = 64 * 1024 * 1024
IDLE_SECONDS = 30  # a kept-alive connection with nothing to say is closed after this


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms wait for a delayed ACK
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        target = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        path = unquote(target.path or "/", errors="replace")
        response = self.server.app.handle(self.command, path, target.query, headers, body)
        self.send_response(response.status)
        for name, value in answer_headers(response):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method, TRACE and QUERY included, is the app's to answer
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        """The whole body, so that the connection is clean for the next request; None after refusing it."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self.close_connection = True
            self.send_error(400 if length < 0 else 413)
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0 or len(body) + size > MAX_REQUEST_BYTES:
                self.close_connection = True
                self.send_error(400 if size < 0 else 413)
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body)
            body += self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after each chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, app: MockApp) -> None:
        self.app = app
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's asks DNS for a fully qualified name: slow offline
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


class RunningServer:
    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.port = server.server_port

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(app: MockApp, host: str, port: int) -> RunningServer:
    server = _Server(host, port, app)
    thread = threading.Thread(target=server.serve_forever, name="voipbin-mock", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def serve_forever(args: argparse.Namespace, rate_limit: float | None) -> None:
    from conformance._data import bundled_spec_path
    from conformance.errors import SetupError
    from conformance.profiles import load_profile
    from conformance.spec import load_spec

    spec = load_spec(args.spec or str(bundled_spec_path()))
    app = MockApp(
        spec,
        profile=load_profile(args.profile),
        faults=args.fault,
        seed=args.seed,
        token=args.token,
        accesskey=args.accesskey,
        other_token=args.other_token,
        rate_limit=rate_limit,
        login=(args.username, args.password) if args.username and args.password else None,
    )
    try:
        server = _Server(args.host, args.port, app)
    except OSError as exc:
        raise SetupError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", "pick another --port") from None
    customer, other = app.customers
    print(
        f"VoIPBIN mock of {args.spec or 'the bundled spec'} ({len(spec.shape.operations)} operations, "
        f"profile {args.profile}{', faults ' + ', '.join(args.fault) if args.fault else ''})"
    )
    print(f"listening on http://{args.host}:{server.server_port}{spec.base_path}")
    for who in (customer, other):
        print(f"  {who.name}: id={who.id}\n    token={who.token}\n    accesskey={who.accesskey}")
    print("Repros of a run read their credentials from the environment:")
    print(f"  export VOIPBIN_TOKEN={customer.token} VOIPBIN_ACCESSKEY={customer.accesskey}")
    print(f"  export VOIPBIN_OTHER_TOKEN={other.token} VOIPBIN_EXPIRED_TOKEN={app.expired_token()}")
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
