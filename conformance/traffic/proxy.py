"""`proxy`: a reverse proxy to its one upstream, which a client points its base URL at, and nothing else: only an
origin-form request with one unambiguous framing is forwarded (`_framing`; anything else is a 4xx and the connection
closed), never CONNECT. Every request goes to the upstream unchanged
(its method, path, query, headers and body; only the hop-by-hop headers and `Host` are the connection's own), the
client gets exactly the upstream's answer (status, headers, body; re-framed with a Content-Length), and each
exchange is handed to `seen` once the client has its answer, to be judged as a run judges what it sends.

Bounded like the run's client: a request body of at most `max_bytes` (413 beyond), the bodies being read at once
across connections within the mock server's budget (503 beyond), each upstream exchange within the request
deadline (the watchdog closes it), an answer over `max_bytes` streamed through to the client untouched (never held
whole) and judged as the run judges an oversized answer. An upstream that refuses, resets, cuts its answer short,
sends one that does not parse or does not finish it within the deadline is a 502 (504) to the client and an exchange
judged without an answer (a finding); once an oversized answer is streaming, the client sees it cut instead.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests
import urllib3

from conformance.checks import Exchange
from conformance.client.bounded import TooLarge, deadline, inflate
from conformance.client.tls import failure as tls_failure
from conformance.client.transport import may_leave_content
from conformance.engine.runtime import Runtime
from conformance.mock.server import MAX_BUFFERED_BYTES, BoundedHTTPServer, Budget
from conformance.traffic._framing import Refused, framing, origin_form, read_chunked

IDLE_SECONDS = 30
_CHUNK = 64 * 1024
# RFC 9110 7.6.1: a proxy does not forward these; they describe one connection, not the message.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
    | {"proxy-authorization", "proxy-authenticate"}
)
# Also this hop's own: the Host is the upstream's, and an Expect: 100-continue was answered here.
_NOT_FORWARDED = HOP_BY_HOP | {"host", "expect"}
Seen = Callable[[Exchange, list[tuple[str, str]]], None]
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 5.1 field-name
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
    b"X-Conformance-Proxy: refused\r\nConnection: close\r\nContent-Length: 56\r\n\r\n"
    b"voipbin-conformance proxy: too many connections at once\n"
)
# However an upstream fails — refused, reset, cut short, a malformed answer, the watchdog's deadline — it is one of
# these, and a 502/504 to the client.
_UPSTREAM_FAILED = (requests.RequestException, OSError, urllib3.exceptions.HTTPError, http.client.HTTPException)


class _Handler(BaseHTTPRequestHandler):
    _relayed = False  # the answer is going through as it comes: too late for a 502 of our own
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    disable_nagle_algorithm = True
    server: ProxyServer

    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "voipbin-conformance proxy: %(code)d %(message)s\n"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals of a request line or headers it cannot parse: with a status line even where the
        request line named no version (it writes none for what it takes as HTTP/0.9)."""
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        super().send_error(code, message, explain)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method the client sends is the upstream's to answer
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        self._relayed, held = False, [0]
        started = time.time()
        if self.request_version == "HTTP/0.9":  # no status line to refuse it with: the connection just closes
            self.close_connection = True
            return
        try:
            target = self._check()
            body = self._read_body(held)
        except Refused as refused:
            self.close_connection = True
            self._plain(refused.status, refused.message)
            return
        finally:
            self.server.budget.give(held[0])
        with self.server.tracking():
            exchange, headers = self.server.forward(self, target, body, started)
            if exchange is not None:
                self.server.seen(exchange, headers)

    def _check(self) -> str:
        """The origin-form target, once the request line and the headers are found well-formed."""
        if not _TOKEN.fullmatch(self.command):
            raise Refused(400, "the method is not a token (RFC 9110 9.1)")
        target = origin_form(self.command, self.path, self.request_version, self.headers.get_all("Host") or [])
        if self.headers.defects or not all(_TOKEN.fullmatch(name) for name in self.headers):
            raise Refused(400, "a malformed header line")
        if any(_CONTROL.search(value) for value in self.headers.values()):
            raise Refused(400, "a header value with a control character")
        return target

    def _read_body(self, held: list[int]) -> bytes:
        length = framing(self.headers, self.request_version)
        body = io.BytesIO()
        if length is not None:
            self._read_into(body, length, held)
        else:
            read_chunked(self.rfile.readline, lambda size: self._read_into(body, size, held), self._read_exactly)
        return body.getvalue()

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) < size:
            raise Refused(400, "the client went away mid-body")
        return data

    def _read_into(self, body: io.BytesIO, size: int, held: list[int]) -> None:
        if body.tell() + size > self.server.max_bytes:
            raise Refused(413, f"the request body is larger than the proxy's {self.server.max_bytes:,}-byte cap")
        while size > 0:
            want = min(size, _CHUNK)
            if not self.server.budget.take(want):
                raise Refused(503, "too many request bodies at once; try again")
            held[0] += want
            body.write(self._read_exactly(want))
            size -= want

    def _plain(self, status: int, message: str) -> None:
        """The proxy's own answer (never the upstream's): a body it could not read, an upstream it could not
        reach."""
        data = (message + "\n").encode()
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Conformance-Proxy", "refused" if status < 500 else "upstream-failed")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)


class ProxyServer(BoundedHTTPServer):
    """Bounded as the mock's server: at most MAX_CONNECTIONS clients at once, beyond them a 503 and close."""

    def __init__(self, runtime: Runtime, upstream: str, host: str, port: int, seen: Seen) -> None:
        self.runtime, self.upstream, self.seen = runtime, upstream.rstrip("/"), seen
        self.max_bytes = runtime.config.max_response_bytes
        self.timeout_s = runtime.config.request_timeout
        self.budget = Budget(MAX_BUFFERED_BYTES)
        self._busy, self._lock = 0, threading.Condition()
        super().__init__((host, port), _Handler)

    def busy(self) -> bytes | None:
        return _BUSY

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away ends its connection quietly; anything else is one line, never a traceback (its
        type only: the message could quote a credential the request carried)."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            sys.stderr.write(f"voipbin-conformance proxy: a connection ended on {type(error).__name__}\n")

    @contextlib.contextmanager
    def tracking(self) -> Any:
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._lock.notify_all()

    def drain(self, seconds: float) -> None:
        """Wait (at most `seconds`) for the exchanges under way to be answered and judged."""
        with self._lock:
            self._lock.wait_for(lambda: self._busy == 0, timeout=seconds)

    def forward(
        self, handler: _Handler, target: str, body: bytes, started: float
    ) -> tuple[Exchange | None, list[tuple[str, str]]]:
        """Send the client's request upstream and its answer back; the exchange as the checks read it."""
        url = self.upstream + target
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _NOT_FORWARDED}
        exchange = Exchange("", handler.command, url, headers, body or None, purpose="proxied", started=started)
        response = None
        with deadline(self.timeout_s) as limit:
            try:
                response = requests.Session.request(
                    self.runtime.session,
                    handler.command,
                    url,
                    headers={k: v for k, v in headers.items() if k.lower() != "content-length"},  # the body's own
                    data=body or None,
                    stream=True,
                    allow_redirects=False,
                    timeout=self.timeout_s,
                )
                limit.attach_response(response)
                if 100 <= response.status_code < 200 and response.status_code != 101:
                    return self._interim(handler, response)
                return self._relay(handler, exchange, response, limit)
            except _UPSTREAM_FAILED as exc:
                return self._failed(handler, exchange, exc, limit.expired, started, began=response is not None)

    def _failed(
        self, handler: _Handler, exchange: Exchange, exc: BaseException, expired: bool, started: float, began: bool
    ) -> tuple[Exchange | None, list[tuple[str, str]]]:
        """The client's answer and the exchange's error where the upstream failed: a 504 past the deadline, else a
        502 saying whether the upstream could not be reached or its answer broke off (`began`)."""
        exchange.elapsed = time.time() - started
        if handler.wfile.closed or handler._relayed:
            exchange.error = f"no complete answer within {self.timeout_s:g}s"  # cut mid-body: the client saw it end
            return exchange, []
        tls = tls_failure(exc)
        if expired or isinstance(exc, requests.Timeout):
            exchange.error = f"no complete answer within {self.timeout_s:g}s"
            handler._plain(504, f"voipbin-conformance proxy: the upstream did not answer within {self.timeout_s:g}s")
        elif began:
            exchange.error = f"connection failed mid-answer ({type(exc).__name__})"
            handler._plain(502, f"voipbin-conformance proxy: the upstream's answer broke off ({type(exc).__name__})")
        else:
            exchange.error = f"connection failed ({type(exc).__name__})"
            handler._plain(502, f"voipbin-conformance proxy: {tls or 'could not reach the upstream'}")
        return exchange, []

    @staticmethod
    def _interim(handler: _Handler, response: requests.Response) -> tuple[None, list[tuple[str, str]]]:
        """An interim answer (103 Early Hints): the HTTP stack returns it as if final and reads no further, so the
        final answer behind it is lost. The client is told so (502); as in a run, an interim answer is not judged."""
        response.close()
        handler.close_connection = True
        status = response.status_code
        handler._plain(
            502,
            f"voipbin-conformance proxy: the upstream sent only an interim answer {status}; "
            "its final answer is not read",
        )
        return None, []

    def _relay(
        self, handler: _Handler, exchange: Exchange, response: requests.Response, limit: Any
    ) -> tuple[Exchange, list[tuple[str, str]]]:
        raw = response.raw
        pairs = [(k, v) for k, v in raw.headers.items() if k.lower() not in HOP_BY_HOP]
        bodiless = _bodiless(handler.command, response.status_code)
        if bodiless and may_leave_content(response):
            response.close()  # content it declares anyway is never read: it would start the next answer
        data = bytearray()
        while not bodiless and len(data) <= self.max_bytes:
            chunk = raw.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            data += chunk
        if limit.expired:  # the watchdog closed it: what came is no complete answer, however it ended
            raise requests.Timeout("deadline")
        exchange.status, exchange.elapsed = response.status_code, time.time() - (exchange.started or 0.0)
        exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
        if len(data) > self.max_bytes:
            self._stream(handler, response, pairs, bytes(data))
            exchange.status, exchange.error = None, TooLarge(self.max_bytes).describe()
            return exchange, pairs
        encoding = response.headers.get("Content-Encoding", "")
        try:
            exchange.response_body = inflate(bytes(data), encoding, self.max_bytes)
        except TooLarge as big:
            exchange.status, exchange.error = None, big.describe()
        self._answer(handler, response, pairs, bytes(data))
        return exchange, pairs

    def _head(self, handler: _Handler, response: requests.Response, pairs: list[tuple[str, str]]) -> None:
        handler.send_response_only(response.status_code, response.reason or None)
        for name, value in pairs:
            if name.lower() != "content-length":
                handler.send_header(name, value)

    def _answer(
        self, handler: _Handler, response: requests.Response, pairs: list[tuple[str, str]], data: bytes
    ) -> None:
        """The upstream's answer as it came: a length of our own where we hold the body, the declared one where
        none is sent (HEAD, 204, 304: a broken upstream's content is its own to answer for, and judged)."""
        self._head(handler, response, pairs)
        declared = response.headers.get("Content-Length")
        if data or not _bodiless(handler.command, response.status_code):
            handler.send_header("Content-Length", str(len(data)))
        elif declared is not None:
            handler.send_header("Content-Length", declared)
        if handler.close_connection:  # the client asked to close (or HTTP/1.0): say so, or it would reuse it
            handler.send_header("Connection", "close")
        handler.end_headers()
        if data and handler.command != "HEAD":
            handler.wfile.write(data)

    def _stream(
        self, handler: _Handler, response: requests.Response, pairs: list[tuple[str, str]], start: bytes
    ) -> None:
        """An answer over the cap goes through as it comes, never held whole; the connection closes after it."""
        handler._relayed = True
        handler.close_connection = True
        self._head(handler, response, pairs)
        if response.headers.get("Content-Length"):
            handler.send_header("Content-Length", response.headers["Content-Length"])
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(start)
        while chunk := response.raw.read(_CHUNK, decode_content=False):
            handler.wfile.write(chunk)


def _bodiless(method: str, status: int) -> bool:
    return method == "HEAD" or status in (204, 304) or status < 200


_SLICE = 0.2  # seconds the main thread waits at a time, so that it runs a signal's handler soon after it comes


def serve(server: ProxyServer, stop: threading.Event, max_time: float | None) -> None:
    """Serve until `stop` is set (SIGINT, SIGTERM) or `max_time` has passed, then let what is under way finish."""
    thread = threading.Thread(target=server.serve_forever, name="voipbin-proxy", daemon=True)
    thread.start()
    # Waited in short slices: a signal the kernel hands to another thread (the server's, in its poll) only runs its
    # Python handler once the main thread executes again, and a wait without a timeout never returns for it (one
    # run in three under load ignored SIGTERM and SIGINT alike).
    until = None if max_time is None else time.monotonic() + max_time
    try:
        while not stop.wait(_SLICE if until is None else max(0.0, min(_SLICE, until - time.monotonic()))):
            if until is not None and time.monotonic() >= until:
                break
    finally:
        server.shutdown()
        server.drain(server.timeout_s + 1.0)
        server.server_close()
        with contextlib.suppress(OSError):
            server.socket.shutdown(socket.SHUT_RDWR)
