"""The mock served over HTTP bounds what unfinished requests may hold: the header bytes of one request, and the
number of connections served at once; memory stays bounded whatever clients do."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import tracemalloc

import pytest

from conformance.mock import MockApp
from conformance.mock.server import MAX_CONNECTIONS, MAX_HEADER_BYTES, serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests._tls import server_files
from tests.mock.test_bounds import _handler_threads

MIB = 1024 * 1024
pytestmark = pytest.mark.http


@pytest.fixture
def served(bundled):

    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=1)
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        yield app, server
    finally:
        server.shutdown()


def _answered(socks: list[socket.socket], count: int, seconds: float = 90) -> list[socket.socket]:
    """Wait for `count` of `socks` to have something to read (an answer or the end of the connection). Not a timed
    assertion: the bound is only there so that a broken server fails instead of hanging."""
    end = time.monotonic() + seconds
    while True:
        readable = select.select(socks, [], [], 0.05)[0]
        if len(readable) >= count or time.monotonic() > end:
            return readable


def _status_line(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    try:
        return sock.makefile("rb").readline()
    except OSError as exc:
        return repr(exc).encode()


def _whole(sock: socket.socket) -> bytes:
    """Everything until the mock ends the connection."""
    sock.settimeout(10)
    try:
        return sock.makefile("rb").read()
    except OSError as exc:
        return repr(exc).encode()


def _send(sock: socket.socket, *parts: bytes) -> None:
    try:
        for part in parts:
            sock.sendall(part)
    except OSError:  # refused mid-headers: the mock answered and closed under the sender
        pass


def test_headers_past_the_bound_are_a_431_and_cost_no_more(served):
    """Before: ten clients each sending 99 header lines of 65 KB and holding made the mock hold all of them
    (http.client allows 100 lines of 64 KiB each): 66 MB traced (a served mock's RSS: 41 -> 350 MB for 50 such
    clients, 969 MB for 150)."""
    _, server = served
    lines = [b"X-Pad-%d: %s\r\n" % (n, b"a" * 65_000) for n in range(99)]
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(10)]
    tracemalloc.start()
    try:
        senders = [threading.Thread(target=_send, args=(s, b"GET /v1.0/tags HTTP/1.1\r\n", *lines)) for s in socks]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        answered = _answered(socks, len(socks))
        peak = tracemalloc.get_traced_memory()[1]
        statuses = [_status_line(sock) for sock in answered]
    finally:
        tracemalloc.stop()
        for sock in socks:
            sock.close()
    assert len(answered) == len(socks) and all(s.startswith(b"HTTP/1.1 431 ") for s in statuses), statuses
    assert peak < 8 * MIB, peak


def test_headers_within_the_bound_are_served(served):
    app, server = served
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 1000) for n in range(50))
    head = b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + app.customers[0].token.encode()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + b"\r\n" + pad + b"\r\n")
        assert _status_line(sock).startswith(b"HTTP/1.1 200 ")


def test_connections_past_the_bound_are_turned_away_and_memory_stays_bounded(served):
    """Four times as many clients as the mock serves at once, each holding 60 KB of unfinished headers: the mock
    serves MAX_CONNECTIONS of them (9.6 MB traced) and answers the rest a 503 at once. Before: it served every one
    its 5-deep backlog did not reset, a thread and their headers each (14.9 MB traced, no bound but the clients')."""
    app, server = served
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 4000) for n in range(15))
    socks = []
    tracemalloc.start()
    try:
        for _ in range(4 * MAX_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", server.port))
            socks.append(sock)
            _send(sock, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\n", pad)
        turned_away = _answered(socks, 3 * MAX_CONNECTIONS)
        threads = len(_handler_threads())
        peak = tracemalloc.get_traced_memory()[1]
        statuses = {_status_line(sock)[:12] for sock in turned_away[1:]}
        whole = _whole(turned_away[0])
    finally:
        tracemalloc.stop()
        for sock in socks:
            sock.close()
    assert len(turned_away) == 3 * MAX_CONNECTIONS and statuses == {b"HTTP/1.1 503"}, statuses
    head, _, body = whole.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in head and b"Connection: close" in head
    assert "message" in json.loads(body)  # the profile's envelope (voipbin-2026-01: flat)
    assert threads <= MAX_CONNECTIONS
    assert peak < MAX_CONNECTIONS * MAX_HEADER_BYTES * 1.5, peak
    _served_again(app, server.port)


def _served_again(app: MockApp, port: int) -> None:
    """Once the holders are gone, their places are given back."""
    token = app.customers[0].token.encode()
    end = time.monotonic() + 60
    while True:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\r\n\r\n")
            status = _status_line(sock)
        if status.startswith(b"HTTP/1.1 200 ") or time.monotonic() > end:
            break
        time.sleep(0.05)
    assert status.startswith(b"HTTP/1.1 200 "), status


def test_over_tls_a_connection_past_the_bound_just_ends(bundled, tmp_path):
    """No handshake is spent on it (that would be the accept loop waiting on a client): the connection ends."""
    files = server_files(tmp_path)
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=1)
    server = serve_in_thread(app, "127.0.0.1", 0, tls=files.context())
    holders = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(MAX_CONNECTIONS)]
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as extra:
            assert _answered([extra], 1) == [extra]
            assert _whole(extra) in (b"", repr(ConnectionResetError(104, "Connection reset by peer")).encode())
    finally:
        for sock in holders:
            sock.close()
        server.shutdown()
