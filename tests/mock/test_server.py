"""The mock over a real socket: keep-alive, every method answered in the envelope, chunked bodies read whole."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import pytest
import requests

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests._tls import server_files

pytestmark = pytest.mark.http


@pytest.fixture
def served(bundled):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=1)
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        yield app, server.port
    finally:
        server.shutdown()


def _exchange(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one request and read exactly one answer, delimited by its Content-Length."""
    sock.sendall(request)
    reader = sock.makefile("rb")
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline().strip()) != b"":
        name, _, value = line.decode().partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, reader.read(int(headers.get("content-length", 0)))


def test_one_connection_carries_many_requests_back_to_back(served):
    app, port = served
    token = app.customers[0].token.encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        answers = [
            _exchange(sock, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\r\n\r\n")
            for _ in range(3)
        ]
        # a refused write whose body the app never looks at must not leave its body on the connection
        body = b'{"name": "x"}'
        refused = _exchange(sock, b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n" + body)
        after = _exchange(sock, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\r\n\r\n")
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert all(headers.get("connection") != "close" for _, headers, _ in answers)
    assert refused[0] == 401 and after[0] == 200


def test_an_unusual_method_is_answered_by_the_mock_in_its_envelope(served):
    _, port = served
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        status, headers, body = _exchange(sock, b"QUERY /v1.0/tags HTTP/1.1\r\nHost: x\r\n\r\n")
    assert headers["content-type"] == "application/json"
    assert status in (401, 404, 405) and "error" in json.loads(body)


def test_a_chunked_body_is_read_whole(served):
    app, port = served
    token = app.customers[0].token.encode()
    whole = b'{"name": "ab", "detail": "split in two chunks"}'
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (5, whole[:5], len(whole) - 5, whole[5:])
    head = b"POST /v1.0/tags HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        status, _, body = _exchange(sock, head + b"Authorization: Bearer " + token + b"\r\n\r\n" + chunks)
        again = _exchange(sock, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + b"\r\n\r\n")
    assert status == 200 and json.loads(body)["name"] == "ab"
    assert again[0] == 200


@pytest.fixture(scope="module")
def served_tls(bundled, tmp_path_factory):
    """The mock over TLS, behind a rehearsed gateway that wants X-Gateway-Key, with a login."""
    files = server_files(tmp_path_factory.mktemp("mock-tls"))
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=1, login=("u", "pw"))
    server = serve_in_thread(app, "127.0.0.1", 0, tls=files.context(), required={"X-Gateway-Key": "k1"})
    try:
        yield app, f"https://127.0.0.1:{server.port}", files.ca
    finally:
        server.shutdown()


def test_the_mock_serves_https_behind_a_gateway_that_wants_its_header(served_tls):
    app, base, ca = served_tls
    token = app.customers[0].token
    with requests.Session() as session:
        session.verify, session.trust_env = ca, False  # with trust_env, REQUESTS_CA_BUNDLE would win over it
        ok = session.get(f"{base}/v1.0/tags", headers={"Authorization": f"Bearer {token}", "X-Gateway-Key": "k1"})
        assert ok.status_code == 200 and ok.json()["result"] is not None
        for method, path in (("GET", "/v1.0/tags"), ("POST", "/auth/login")):
            refused = session.request(method, base + path, json={"username": "u", "password": "pw"})
            assert refused.status_code == 403 and refused.headers["Content-Type"].startswith("text/html")
            assert "<h1>403 Forbidden</h1>" in refused.text
        wrong = session.get(f"{base}/v1.0/tags", headers={"X-Gateway-Key": "k2"})
        assert wrong.status_code == 403
        login = session.post(
            f"{base}/auth/login", json={"username": "u", "password": "pw"}, headers={"X-Gateway-Key": "k1"}
        )
        assert login.status_code == 200 and login.json()["token"] == token


def test_a_client_that_leaves_mid_handshake_or_speaks_plain_http_leaves_no_traceback(served_tls, capfd):
    _, base, _ = served_tls
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01\x00")  # the start of a ClientHello, then gone
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP to the TLS port
        with contextlib.suppress(OSError):  # the mock ends the connection, maybe with a reset
            sock.recv(100)
    with pytest.raises(requests.exceptions.SSLError):  # a client that does not trust the certificate
        requests.get(f"{base}/v1.0/tags", timeout=5, verify=True)
    _wait_for_handlers()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err


def _wait_for_handlers() -> None:
    """Until every connection's thread has ended (a poll, bounded so that a stuck server fails)."""
    end = time.monotonic() + 30
    while any("process_request_thread" in t.name for t in threading.enumerate()):
        assert time.monotonic() < end
        time.sleep(0.02)
