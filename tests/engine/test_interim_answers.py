"""Answers of HTTP's 1xx kind: a 101 nobody asked for, an interim 103 before the final answer, a 204 declaring
chunked content. Each is judged for what it is and never leaves the connection to answer the next request."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

from conformance.checks import Request
from tests.engine.test_hostile_targets import _client

pytestmark = pytest.mark.http

LIST = b'{"result": [], "next_page_token": ""}'


def _answer(path: bytes) -> bytes:
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(LIST), LIST)
    if b"/switch" in path:
        return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00"
    if b"/hints" in path:
        return b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + ok
    if b"/chunked-204" in path:
        return b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    return ok


@pytest.fixture
def interim() -> Iterator[str]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                while self.rfile.readline() not in (b"\r\n", b""):
                    pass
                self.wfile.write(_answer(line))
                if b"/switch" in line:
                    return  # the connection speaks another protocol now: nothing more in HTTP

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/switch", "/hints", "/chunked-204"])
def test_the_next_request_gets_its_own_answer(make_runtime, interim, path):
    client, _ = _client(make_runtime, interim)
    client.send("GET /tags", "GET", Request(path), purpose="probe")
    after = client.send("GET /tags", "GET", Request("/tags"), purpose="probe")
    assert after.status == 200 and after.error is None, after.error


def test_a_101_nobody_asked_for_is_reported_and_an_interim_103_is_not_judged(make_runtime, interim):
    client, recorder = _client(make_runtime, interim)
    switched = client.send("GET /tags", "GET", Request("/switch"), purpose="probe")
    hinted = client.send("GET /tags", "GET", Request("/hints"), purpose="probe")
    assert switched.status == 101
    assert hinted.status is None and (hinted.error or "").startswith("only an interim answer 103")
    checks = {f.check for f in recorder.findings.values()}
    assert "http_semantics" in checks
    assert not any("103" in f.message for f in recorder.findings.values())  # the interim answer is no verdict


def test_a_204_that_declares_chunked_content_is_reported(make_runtime, interim):
    client, recorder = _client(make_runtime, interim)
    assert client.send("GET /tags", "GET", Request("/chunked-204"), purpose="probe").status == 204
    assert any(f.key == "content-with-204" for f in recorder.findings.values())
