"""What the hostile sweep of the traffic commands (benchmarks/sweep_traffic.py, issue #25) found of the proxy."""

from __future__ import annotations

import socket

import pytest

from tests.engine.test_har import run_main
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


@pytest.mark.parametrize("upstream", ["http://127.0.0.1:99999", "http://127.0.0.1:port", "ftp://x"])
def test_an_upstream_that_is_no_url_is_one_line_naming_upstream(upstream):
    """Was: a port out of range started the proxy, and every exchange was a `server_error` finding blaming the
    target for the typo; and the refusal of an upstream named --base-url, an option the proxy does not take
    (sweep: upstream_arg_port, upstream_arg_ftp)."""
    code, out, err = run_main("proxy", "--upstream", upstream, "--port", "0")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, out + err
    assert "--upstream" in lines[0] and "--base-url" not in lines[0], lines


def test_a_base_url_with_a_port_out_of_range_is_refused_before_the_run():
    code, _, err = run_main("run", "--base-url", "http://127.0.0.1:99999/v1.0")
    assert code == 2 and "--base-url" in err and "port" in err, err
