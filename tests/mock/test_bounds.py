"""The mock bounds itself, whatever its clients send: request bytes held across connections, the nesting of a JSON
body, and clients that go away mid-request or mid-answer."""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
import tracemalloc

import pytest

from conformance.mock import MockApp
from conformance.mock._validation import MAX_JSON_DEPTH
from conformance.mock.server import MAX_BUFFERED_BYTES, MAX_REQUEST_BYTES, serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def app(bundled):
    return MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=1)


@pytest.fixture
def served(app):
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server.shutdown()


def _head(length: int, token: str) -> bytes:
    return (
        f"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _status(sock: socket.socket) -> int:
    sock.settimeout(30)
    line = sock.makefile("rb").readline()
    return int(line.split()[1])


def _wait_until(condition, seconds: float = 60) -> None:
    """Poll (not a timed assertion: the bound is only there so that a broken server fails instead of hanging)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the server never settled"
        time.sleep(0.02)


@pytest.mark.http
def test_eight_clients_announcing_48_mib_each_are_refused_before_a_byte_is_held(app, served):
    """Before: each connection allocated its declared 48 MiB on reading the headers (384 MiB traced)."""
    token = app.customers[0].token
    tracemalloc.start()
    try:
        clients = [socket.create_connection(("127.0.0.1", served.port), timeout=30) for _ in range(8)]
        for sock in clients:
            sock.sendall(_head(48 * MIB, token))
        statuses = [_status(sock) for sock in clients[1:]]
        peak = tracemalloc.get_traced_memory()[1]
        answer = clients[0].makefile("rb").read()  # the whole answer: the connection ends after it
    finally:
        tracemalloc.stop()
        for sock in clients:
            sock.close()
    assert statuses == [413] * 7 and answer.startswith(b"HTTP/1.1 413 ")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Content-Type: application/json" in head and "message" in json.loads(body)  # the profile's envelope
    assert peak < 8 * MIB, peak
    assert served.budget.peak == 0


@pytest.mark.http
def test_bodies_held_across_connections_stay_within_one_budget(app, served):
    """Eight clients each send all but the last byte of a body under the per-request cap, and hold: the mock
    keeps at most its budget and answers the others 503. Before: every body was held whole (60 MiB)."""
    size = 120 * 64 * 1024  # 7.5 MiB, whole chunks
    assert size <= MAX_REQUEST_BYTES and 8 * size > MAX_BUFFERED_BYTES
    payload = _head(size, app.customers[0].token) + b" " * (size - 1)
    clients, refused = [], set()
    tracemalloc.start()
    try:
        for n in range(8):
            sock = socket.create_connection(("127.0.0.1", served.port))
            clients.append(sock)
            try:
                sock.sendall(payload)
            except OSError:  # refused mid-body: the mock closed the connection
                refused.add(n)

        def settled() -> bool:
            for n, sock in enumerate(clients):
                if n not in refused and select.select([sock], [], [], 0)[0]:
                    refused.add(n)  # an answer (503) or the end of the connection
            return served.budget.held == (8 - len(refused)) * size

        _wait_until(settled)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        for sock in clients:
            sock.close()
    assert 1 <= len(refused) < 8
    assert served.budget.peak <= MAX_BUFFERED_BYTES
    assert peak < MAX_BUFFERED_BYTES * 1.25 + 4 * MIB, peak  # the budget (and BytesIO's slack), not the 60 MiB sent
    _wait_until(lambda: served.budget.held == 0)  # given back when the clients went away


@pytest.mark.http
def test_a_chunked_body_is_refused_at_the_per_request_cap(app, served):
    """Before: the cap was 64 MiB, all of it held."""
    head = _head(0, app.customers[0].token).replace(b"Content-Length: 0", b"Transfer-Encoding: chunked")
    chunk = b"%x\r\n%s\r\n" % (MIB, b" " * MIB)
    tracemalloc.start()
    try:
        with socket.create_connection(("127.0.0.1", served.port)) as sock:
            sock.sendall(head)
            with pytest.raises(OSError):  # refused at the cap, the connection is closed under the sender
                for _ in range(72):
                    sock.sendall(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert served.budget.peak <= MAX_REQUEST_BYTES <= 8 * MIB
    assert peak < 2 * MAX_REQUEST_BYTES, peak


@pytest.mark.parametrize("profile", ["voipbin-2026-01", "voipbin-2026-08"])
def test_a_json_body_nested_5000_deep_is_a_400_in_the_envelope(bundled, profile):
    """Before: 500 "mock error: RecursionError"."""
    app = MockApp(load_spec(str(bundled)), profile=load_profile(profile), seed=1)
    headers = {"authorization": f"Bearer {app.customers[0].token}", "content-type": "application/json"}
    for body in (b"[" * 5000 + b"]" * 5000, json.dumps({"name": "x", "detail": _nested(MAX_JSON_DEPTH)}).encode()):
        answer = app.handle("POST", "/v1.0/tags", "", headers, body)
        assert answer.status == 400, answer.body[:200]
        error = json.loads(answer.body)
        message = error["error"]["message"] if isinstance(error["error"], dict) else error["message"]
        assert f"nested deeper than {MAX_JSON_DEPTH}" in message


def _nested(depth: int) -> object:
    node: object = 1
    for _ in range(depth):
        node = [node]
    return node


def test_a_body_within_the_nesting_limit_is_read_as_before(app):
    headers = {"authorization": f"Bearer {app.customers[0].token}", "content-type": "application/json"}
    answer = app.handle("POST", "/v1.0/tags", "", headers, json.dumps({"name": "ok", "detail": "flat"}).encode())
    assert answer.status == 200, answer.body


def _reset(sock: socket.socket) -> None:
    """Go away at once: a RST, not a polite FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _handler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


@pytest.mark.http
def test_clients_that_go_away_mid_request_or_mid_answer_leave_no_traceback(app, served, capfd):
    token = app.customers[0].token
    _wait_until(lambda: not _handler_threads())
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", served.port)) as sock:  # mid-answer: asks, then is gone
            sock.sendall(f"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            _reset(sock)
        with socket.create_connection(("127.0.0.1", served.port)) as sock:  # mid-request: half a body
            sock.sendall(_head(1000, token) + b'{"name": ')
            _reset(sock)
        with socket.create_connection(("127.0.0.1", served.port)) as sock:  # mid-headers
            sock.sendall(b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\n")
            _reset(sock)
    _wait_until(lambda: not _handler_threads())
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
