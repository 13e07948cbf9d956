"""A server that closes a kept-alive connection as the next request goes out on it (no `Connection: close`, a
gateway's idle timeout): an idempotent request is tried once more on a fresh connection instead of becoming a
false silence; a POST is not sent twice."""

from __future__ import annotations

import socket

import pytest
import requests

from conformance.client.transport import make_session
from tests.engine.test_proxy_hostile import RawUpstream

_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class OneAnswerPerConnection(RawUpstream):
    """Answers the first request on each connection; a second request on it is read and the connection closed."""

    def __init__(self) -> None:
        super().__init__(lambda conn: None)
        self.requests: list[bytes] = []

    def _one(self, conn: socket.socket) -> None:
        with conn:
            for answered in (True, False):
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.requests.append(data.split(b" ", 2)[0] + b" " + data.split(b" ", 2)[1])
                if answered:
                    conn.sendall(_OK)


@pytest.fixture
def server():
    upstream = OneAnswerPerConnection()
    yield upstream
    upstream.sock.close()


def test_an_idempotent_request_on_a_connection_closed_under_it_is_sent_again_on_a_fresh_one(server):
    session = make_session(rate_limit=None, base_url=server.url)
    assert session.get(server.url + "/a", timeout=5).status_code == 200
    assert session.get(server.url + "/b", timeout=5).status_code == 200
    assert server.requests == [b"GET /a", b"GET /b", b"GET /b"]


def test_a_post_is_never_sent_twice(server):
    session = make_session(rate_limit=None, base_url=server.url)
    assert session.get(server.url + "/a", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.post(server.url + "/b", data=b"{}", timeout=5)
    assert server.requests == [b"GET /a", b"POST /b"]
