"""What the hostile sweep of the traffic commands (benchmarks/sweep_traffic.py, issue #25) found of the proxy."""

from __future__ import annotations

import socket

import pytest

from tests.engine.test_proxy_hostile import RawUpstream, proxied, send

pytestmark = pytest.mark.http

_FINAL = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def _early_hints(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + _FINAL)


def test_an_interim_103_is_no_final_answer_to_the_client_nor_judged():
    """Was: the client got the 103 as its final answer (the 200 behind it lost) and a false `status_code` finding
    ("status 103 is neither documented…"). The HTTP stack reads no further than an interim answer: the client gets
    the proxy's 502 saying so, and, as in a run, an interim answer is nothing to judge (sweep: desync_early_hints)."""
    upstream = RawUpstream(_early_hints)
    try:
        with proxied(upstream.url) as (server, seen):
            got = send(server, b"GET /v1.0/tags HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            server.drain(5)
    finally:
        upstream.close()
    assert got.startswith(b"HTTP/1.1 502 "), got[:200]
    assert b"interim answer 103" in got
    assert seen == []
