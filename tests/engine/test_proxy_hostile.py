"""`proxy` under attack (issue #25): it is a reverse proxy to its one upstream and nothing else. A request target
that is not origin-form, CONNECT, ambiguous framing (RFC 9112 6.3) and malformed chunks are refused with a 4xx and
the connection closed, before anything reaches the upstream; an upstream that refuses, resets, cuts its answer
short, never ends it or sends headers without end is a 502/504 to the client and an exchange judged (a finding),
never a traceback or a dropped connection."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.checks import Exchange
from conformance.config import Config
from conformance.engine.runtime import passive_runtime
from conformance.mock.server import MAX_CONNECTIONS
from conformance.traffic.proxy import ProxyServer

pytestmark = pytest.mark.http
_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class RawUpstream:
    """A TCP server on `host` that keeps every byte it was sent and answers each connection with `answer(sock)`."""

    def __init__(self, answer: Callable[[socket.socket], None], host: str = "127.0.0.1") -> None:
        self.answer, self.received, self.connections = answer, bytearray(), 0
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.received += data
                self.answer(conn)

    def close(self) -> None:
        self.sock.close()


def _ok(conn: socket.socket) -> None:
    conn.sendall(_OK)


@contextlib.contextmanager
def proxied(upstream: str, **config: Any) -> Iterator[tuple[ProxyServer, list[Exchange]]]:
    """The proxy in this process, on a free port; yields it and the exchanges it handed on to be judged."""
    seen: list[Exchange] = []
    runtime = passive_runtime(Config(**config).validate(), upstream)
    server = ProxyServer(runtime, upstream, "127.0.0.1", 0, lambda exchange, _: seen.append(exchange))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, seen
    finally:
        server.shutdown()
        server.server_close()


def send(server: ProxyServer, raw: bytes, *, wait: float = 10.0) -> bytes:
    """Send `raw` on one connection, read until the proxy closes it (or `wait` passes)."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=wait) as sock:
        sock.sendall(raw)
        got = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                got += chunk
    return got


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "target",
    [
        b"@127.0.0.2:{P}/v1.0/tags",  # was: http://127.0.0.1:U@127.0.0.2:P/v1.0/tags, another host
        b"http://127.0.0.2:{P}/v1.0/tags",  # absolute-form: a forward proxy's, not ours
        b"http://[::1/v1.0/tags",  # was: a traceback and a dropped connection
        b"*",
        b"127.0.0.2:{P}",
        b"v1.0/tags",
        b"/v1.0/t\x01ags",
    ],
)
def test_only_an_origin_form_target_is_forwarded_and_only_to_the_upstream(target):
    other = RawUpstream(_ok, host="127.0.0.2")
    upstream = RawUpstream(_ok)
    try:
        with proxied(upstream.url) as (server, seen):
            line = target.replace(b"{P}", str(other.port).encode())
            answer = send(server, b"GET " + line + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n")
    finally:
        other.close()
        upstream.close()
    assert 400 <= _status(answer) < 500 and b"Traceback" not in answer
    assert other.connections == 0 and upstream.connections == 0 and not seen


def test_connect_is_refused():
    upstream = RawUpstream(_ok)
    try:
        with proxied(upstream.url) as (server, _):
            answer = send(server, b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: x\r\n\r\n" % upstream.port)
    finally:
        upstream.close()
    assert _status(answer) == 405 and upstream.connections == 0


_FRAMINGS = {
    "length and chunked": b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "two lengths": b"Content-Length: 2\r\nContent-Length: 29\r\n\r\n{}GET /v1.0/tags HTTP/1.1\r\n\r\n",
    "a length list": b"Content-Length: 2, 29\r\n\r\n{}GET /v1.0/tags HTTP/1.1\r\n\r\n",
    "chunk size zz": b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "chunk without its CRLF": b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    "a negative chunk": b"Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n",
    "gzip, not chunked": b"Transfer-Encoding: gzip\r\n\r\n",
    "chunked twice": b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    "a signed length": b"Content-Length: +2\r\n\r\n{}",
}


@pytest.mark.parametrize("framing", list(_FRAMINGS))
def test_ambiguous_or_malformed_framing_is_refused_and_the_connection_closed(framing):
    upstream = RawUpstream(_ok)
    try:
        with proxied(upstream.url) as (server, seen):
            raw = b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + _FRAMINGS[framing]
            answer = send(server, raw)
    finally:
        upstream.close()
    assert 400 <= _status(answer) < 502 and b"connection: close" in answer.lower(), answer
    assert answer.count(b"HTTP/1.1 ") == 1  # no second request was read from what followed
    assert upstream.connections == 0 and not seen


def test_a_chunked_body_and_the_next_request_reach_the_upstream_as_sent():
    upstream = RawUpstream(lambda conn: conn.sendall(_OK))
    try:
        with proxied(upstream.url) as (server, seen):
            raw = (
                b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"2;ext=1\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n"
                b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            answer = send(server, raw)
    finally:
        upstream.close()
    assert answer.count(b"HTTP/1.1 200") == 2
    assert [(e.method, e.request_body) for e in seen] == [("POST", b"{}"), ("GET", None)]
    assert b"Content-Length: 2\r\n" in bytes(upstream.received)


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def _cut_short(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"')


def _cut_chunk(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"a')


def _bad_chunk(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n")
    time.sleep(0.5)


def _endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    with contextlib.suppress(OSError):
        for _ in range(200):
            conn.sendall(b"1\r\n \r\n")
            time.sleep(0.05)


def _endless_unframed(conn: socket.socket) -> None:  # no length, no chunks: its end would be the close
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    with contextlib.suppress(OSError):
        for _ in range(200):
            conn.sendall(b" ")
            time.sleep(0.05)


def _dripping_headers(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    with contextlib.suppress(OSError):
        for n in range(200):
            conn.sendall(b"X-H%d: v\r\n" % n)
            time.sleep(0.05)


def _endless_headers(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    with contextlib.suppress(OSError):
        for n in range(100_000):
            conn.sendall(b"X-H%d: %s\r\n" % (n, b"v" * 1000))


def _garbage(conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (_reset, 502),
        (_cut_short, 502),
        (_cut_chunk, 502),
        (_bad_chunk, 502),
        (_endless, 504),
        (_endless_unframed, 504),
        (_dripping_headers, 504),
        (_endless_headers, 502),
        (_garbage, 502),
    ],
)
def test_an_upstream_failure_is_a_502_or_504_and_a_finding(answer, status):
    upstream = RawUpstream(answer)
    try:
        with proxied(upstream.url, request_timeout=2.0) as (server, seen):
            got = send(server, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", wait=20)
            server.drain(5)
    finally:
        upstream.close()
    assert _status(got) == status, got[:300]
    assert len(seen) == 1 and seen[0].status is None and seen[0].error, seen
    if answer in (_cut_short, _cut_chunk, _bad_chunk):
        assert b"answer broke off" in got and "mid-answer" in (seen[0].error or "")


def test_an_upstream_that_refuses_is_a_502_and_a_finding():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with proxied(f"http://127.0.0.1:{port}") as (server, seen):
        got = send(server, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        server.drain(5)
    assert _status(got) == 502 and len(seen) == 1 and seen[0].error


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /v1.0/tags HTTP/1.1\r\n\r\n",  # no Host
        b"GET /v1.0/tags\r\n\r\n",  # HTTP/0.9
        b"GET /v1.0/tags HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
        b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS ClientHello
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"G(T /v1.0/tags HTTP/1.1\r\nHost: x\r\n\r\n",  # was: ValueError in http.client, the connection dropped
        b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n",  # obs-fold
        b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    ],
)
def test_a_malformed_request_is_a_4xx_and_nothing_reaches_the_upstream(raw, capfd):
    upstream = RawUpstream(_ok)
    try:
        with proxied(upstream.url) as (server, _):
            answer = send(server, raw)
    finally:
        upstream.close()
    assert answer == b"" or 400 <= _status(answer) < 500 or _status(answer) == 505, answer[:200]
    assert upstream.connections == 0
    assert "Traceback" not in capfd.readouterr().err


def test_the_listen_backlog_is_the_mocks():
    with proxied("http://127.0.0.1:9") as (server, _):
        assert server.request_queue_size == MAX_CONNECTIONS


def test_connections_beyond_the_mocks_cap_are_a_503_not_a_thread_each():
    upstream = RawUpstream(_ok)
    idle: list[socket.socket] = []
    try:
        with proxied(upstream.url) as (server, _):
            for _ in range(MAX_CONNECTIONS):  # each holds a thread, sending nothing
                idle.append(socket.create_connection(("127.0.0.1", server.server_port), timeout=10))
            time.sleep(0.5)
            answer = send(server, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\n\r\n")
            for sock in idle:
                sock.close()
            for _ in range(40):  # their threads see them closed and give their slots back
                after = send(server, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if _status(after) != 503:
                    break
                time.sleep(0.25)
    finally:
        upstream.close()
    assert _status(answer) == 503 and b"too many connections" in answer
    assert _status(after) == 200
