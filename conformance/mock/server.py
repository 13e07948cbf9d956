"""Serving the mock over HTTP(S): a threaded http.server with HTTP/1.1 keep-alive that calls `MockApp.handle`.

werkzeug's development server closes every connection (it drains the socket after each answer, which would eat
the next request), so a run against it paid a new TCP connection and a new thread for every request.

Bounded, whatever its clients do (`_limits`): at most MAX_CONNECTIONS served at once (beyond, a 503 and the end of
the connection), a request's line and headers at most MAX_HEADER_BYTES together (beyond, a 431), a body read in
chunks against one budget shared by every connection (beyond it a 503, beyond the per-request cap a 413), all in
the profile's envelope; a client that goes away mid-request or mid-answer just ends its connection. Optionally TLS
(handshake in the connection's own thread) and a gateway in front that answers an HTML 403 to any request without
its header, as staging's does.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.mock._limits import (
    MAX_CONNECTIONS as MAX_CONNECTIONS,  # public here: the tests and the traffic proxy name it
)
from conformance.mock._limits import (
    BoundedHTTPServer,
    Budget,
    HeaderReader,
    HeadersTooLarge,
    on_the_wire,
)
from conformance.mock._tls import DEFAULT_NAMES, TLSFiles, generate
from conformance.mock._wire import MockResponse, answer_headers
from conformance.mock.app import MockApp

MAX_REQUEST_BYTES = 8 * 1024 * 1024  # one request's body (a 413 beyond)
MAX_BUFFERED_BYTES = 32 * 1024 * 1024  # the bodies being read at once, across every connection (a 503 beyond)
MAX_HEADER_BYTES = 64 * 1024  # one request's line and headers together (a 431 beyond, and the connection ends)
IDLE_SECONDS = 30  # a kept-alive connection with nothing to say is closed after this
_CHUNK = 64 * 1024
_GATEWAY_PAGE = (
    b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n"
    b"<hr><center>gateway</center>\r\n</body>\r\n</html>\r\n"
)


class _Refused(Exception):
    """The body cannot be read: answered (413, 503, 400) or the client went away; the connection ends."""

    def __init__(self, answer: MockResponse | None) -> None:
        super().__init__()
        self.answer = answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms wait for a delayed ACK
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def parse_request(self) -> bool:
        """The stdlib's, with the request line and headers held to MAX_HEADER_BYTES together."""
        rfile = self.rfile
        self.rfile = HeaderReader(rfile, MAX_HEADER_BYTES - len(self.raw_requestline))
        try:
            return super().parse_request()
        except HeadersTooLarge:
            self.close_connection = True  # the rest of the headers is never read
            limit = f"the request line and headers are larger than {MAX_HEADER_BYTES} bytes"
            self._answer(self.server.error(431, "REQUEST_HEADER_FIELDS_TOO_LARGE", limit))
            return False
        finally:
            self.rfile = rfile

    def _serve(self) -> None:
        if not self._through_gateway():
            return
        held = [0]
        try:
            body = self._read_body(held)
        except _Refused as refused:
            self.server.budget.give(held[0])
            self.close_connection = True
            if refused.answer is not None:
                self._answer(refused.answer)
            return
        try:
            target = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            path = unquote(target.path or "/", errors="replace")
            response = self.server.app.handle(self.command, path, target.query, headers, body)
        finally:
            del body
            self.server.budget.give(held[0])
        self._answer(response)

    def _answer(self, response: MockResponse) -> None:
        self.send_response(response.status)
        for name, value in answer_headers(response):
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        if response.status == 101:  # the connection no longer speaks HTTP: close it, or a client waits IDLE_SECONDS
            self.close_connection = True

    def _through_gateway(self) -> bool:
        """The rehearsed gateway: without its header(s), an HTML 403 before the API sees anything."""
        if all(self.headers.get(name, "").strip() == value for name, value in self.server.required.items()):
            return True
        self.close_connection = True  # the body, if any, is never read
        self._answer(MockResponse(403, [("Content-Type", "text/html")], _GATEWAY_PAGE))
        return False

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method, TRACE and QUERY included, is the app's to answer
            return self._serve
        raise AttributeError(name)

    def _refusal(self, status: int, reason: str, message: str) -> _Refused:
        return _Refused(self.server.error(status, reason, message))

    def _read_body(self, held: list[int]) -> bytes:
        """The whole body, so that the connection is clean for the next request; `held[0]` is what it took from
        the budget (the caller gives it back)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(held)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            raise self._refusal(400, "INVALID_ARGUMENT", "the Content-Length is not a number of bytes")
        body = io.BytesIO()
        self._read_into(body, length, held)
        return body.getvalue()  # BytesIO hands over its buffer: no second copy of the body

    def _read_into(self, body: io.BytesIO, size: int, held: list[int]) -> None:
        """Append `size` bytes, a chunk at a time, each taken from the shared budget before it is read."""
        if body.tell() + size > self.server.max_request_bytes:
            cap = self.server.max_request_bytes
            raise self._refusal(413, "REQUEST_TOO_LARGE", f"the request body is larger than {cap} bytes")
        while size > 0:
            want = min(size, _CHUNK)
            if not self.server.budget.take(want):
                raise self._refusal(503, "SERVICE_UNAVAILABLE", "too many request bodies at once; try again")
            held[0] += want
            chunk = self.rfile.read(want)
            if len(chunk) < want:
                raise _Refused(None)  # the client went away mid-body: nobody to answer
            body.write(chunk)
            size -= want

    def _read_chunked(self, held: list[int]) -> bytes:
        body = io.BytesIO()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                size = -1
            if size < 0:
                raise self._refusal(400, "INVALID_ARGUMENT", "malformed chunked encoding")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body.getvalue()
            self._read_into(body, size, held)
            self.rfile.readline(8)  # the CRLF after each chunk


class _Server(BoundedHTTPServer):
    def __init__(
        self,
        host: str,
        port: int,
        app: MockApp,
        *,
        tls: ssl.SSLContext | None = None,
        required: dict[str, str] | None = None,
    ) -> None:
        self.app, self.tls, self.required = app, tls, dict(required or {})
        self.max_request_bytes = MAX_REQUEST_BYTES
        self.budget = Budget(MAX_BUFFERED_BYTES)
        super().__init__((host, port), _Handler)

    def error(self, status: int, reason: str, message: str) -> MockResponse:
        """A refusal of the server's own (a bound reached), in the profile's envelope."""
        answer = self.app.render.error(status, reason, message, f"req_{uuid.uuid4().hex[:20]}")
        if status == 503:
            answer.headers.append(("Retry-After", "1"))
        return answer

    def busy(self) -> bytes | None:
        """Beyond MAX_CONNECTIONS, a 503 from here (over TLS, before any handshake, the connection just ends)."""
        if self.tls is not None:
            return None
        answer = self.error(503, "SERVICE_UNAVAILABLE", "too many connections at once; try again")
        return on_the_wire(answer, "Service Unavailable")

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Over TLS, the handshake happens here, in the connection's own thread: a client that never completes
        it holds only its own thread, for at most IDLE_SECONDS."""
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(IDLE_SECONDS)
        secured = self.tls.wrap_socket(request, server_side=True)
        try:
            _Handler(secured, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                secured.shutdown(socket.SHUT_WR)  # the end of the last answer, then EOF (no close_notify wait)
            secured.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away (mid-request, mid-answer, mid-handshake) ends its connection quietly; anything
        else is a bug in the mock, and keeps its traceback."""
        if not isinstance(sys.exc_info()[1], OSError):  # ssl.SSLError and socket timeouts are OSErrors too
            super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
        self.close_request(request)


class RunningServer:
    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.port = server.server_port
        self.scheme = "https" if server.tls is not None else "http"
        self.budget = server.budget

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(
    app: MockApp,
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None = None,
    required: dict[str, str] | None = None,
) -> RunningServer:
    """Serve `app` on a thread: over TLS with `tls` (a server context), behind a gateway wanting `required`."""
    server = _Server(host, port, app, tls=tls, required=required)
    thread = threading.Thread(target=server.serve_forever, name="voipbin-mock", daemon=True)
    thread.start()
    return RunningServer(server, thread)


def required_headers(raw: list[str] | None) -> dict[str, str]:
    """--require-header 'Name: value' (repeatable) as {name: value}; one line and exit 2 for anything else."""
    from conformance.errors import SetupError

    found = {}
    for item in raw or ():
        name, sep, value = item.partition(":")
        if not sep or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()) or not value.strip():
            raise SetupError(f"--require-header expects 'Name: value', got {item!r}", "e.g. 'X-Gateway-Key: abc'")
        found[name.strip()] = value.strip()
    return found


def tls_setup(args: argparse.Namespace) -> tuple[ssl.SSLContext | None, TLSFiles | None, str | None]:
    """The server context for `mock --tls` (a generated pair) or --tls-cert/--tls-key (a given one), the files,
    and the temporary directory made for a generated pair (removed when the mock stops)."""
    from conformance.errors import SetupError

    if bool(args.tls_cert) != bool(args.tls_key):
        raise SetupError("--tls-cert and --tls-key go together", "or pass --tls alone for a generated pair")
    if args.tls_cert:
        files = TLSFiles(args.tls_cert, args.tls_key)
        return files.context(), files, None
    if not (args.tls or args.tls_dir):
        return None, None, None
    made = None if args.tls_dir else tempfile.mkdtemp(prefix="voipbin-mock-tls-")
    wildcard = args.host in ("", "0.0.0.0", "::")
    names = (*DEFAULT_NAMES, socket.gethostname() if wildcard else args.host)
    try:
        files = generate(Path(args.tls_dir or made or "."), names)
    except OSError as exc:
        where = args.tls_dir or made
        raise SetupError(f"cannot write the TLS files to {where}: {exc.strerror}", "pick another --tls-dir") from None
    return files.context(), files, made


def _announce_tls(files: TLSFiles | None, required: dict[str, str]) -> None:
    if files is not None and files.ca is not None:
        ca = shlex.quote(files.ca)
        print(f"TLS: a certificate signed by a CA made for this mock, in {ca}; trust it with")
        print(f"  export REQUESTS_CA_BUNDLE={ca}    (or: voipbin-conformance run --ca-bundle {ca} ...)")
    elif files is not None:
        print(f"TLS: serving {files.cert}; a client must trust the CA that signed it (--ca-bundle, REQUESTS_CA_BUNDLE)")
    for name, value in required.items():
        print(f"Gateway: a request without -H {shlex.quote(f'{name}: {value}')} is answered an HTML 403")


def serve_forever(args: argparse.Namespace, rate_limit: float | None) -> None:
    from conformance.data import bundled_spec_path
    from conformance.errors import SetupError
    from conformance.openapi import load_spec
    from conformance.profiles import load_profile

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
    required = required_headers(args.require_header)
    context, files, made = tls_setup(args)
    try:
        try:
            server = _Server(args.host, args.port, app, tls=context, required=required)
        except OSError as exc:
            raise SetupError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror}", "pick another --port"
            ) from None
        _announce(args, app, server)
        _announce_tls(files, required)
        print("Ctrl-C stops it.", flush=True)
        # SIGINT and SIGTERM stop it and remove what it made, also where its parent left SIGINT ignored (a job in
        # the background of a shell, as a CI step may start it) and SIGTERM would end it with its files behind.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.default_int_handler)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        server.server_close()
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _announce(args: argparse.Namespace, app: MockApp, server: _Server) -> None:
    customer, other = app.customers
    print(
        f"VoIPBIN mock of {args.spec or 'the bundled spec'} ({len(app.spec.shape.operations)} operations, "
        f"profile {args.profile}{', faults ' + ', '.join(args.fault) if args.fault else ''})"
    )
    scheme = "https" if server.tls is not None else "http"
    print(f"listening on {scheme}://{args.host}:{server.server_port}{app.spec.base_path}")
    for who in (customer, other):
        print(f"  {who.name}: id={who.id}\n    token={who.token}\n    accesskey={who.accesskey}")
    print("Repros of a run read their credentials from the environment:")
    print(f"  export VOIPBIN_TOKEN={customer.token} VOIPBIN_ACCESSKEY={customer.accesskey}")
    print(f"  export VOIPBIN_OTHER_TOKEN={other.token} VOIPBIN_EXPIRED_TOKEN={app.expired_token()}")
