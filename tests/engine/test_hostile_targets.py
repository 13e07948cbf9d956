"""Targets that misbehave on purpose get a bounded run: in time, in memory, and with a finding, not a crash."""

from __future__ import annotations

import dataclasses
import gzip
import json
import socket
import threading
import time
import tracemalloc

import pytest

from conformance.checks import Request
from conformance.client.bounded import retry_after_seconds
from conformance.client.client import EngineClient
from conformance.client.transport import _retry_after, make_session
from conformance.results.finding import Recorder
from tests._servers import serve
from tests.engine.test_cli import assert_one_line_error, cli

pytestmark = pytest.mark.http

_BOMB = gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KB on the wire, 64 MB inflated


def _app(environ, start_response):
    path = environ["PATH_INFO"]
    json_header = ("Content-Type", "application/json")
    if path == "/bomb":
        start_response("200 OK", [json_header, ("Content-Encoding", "gzip"), ("Content-Length", str(len(_BOMB)))])
        return [_BOMB]
    if path == "/endless":
        start_response("200 OK", [json_header])
        return iter(lambda: b"[" * 65536, None)  # never ends
    if path == "/drip":
        start_response("200 OK", [json_header])

        def drip():
            while True:
                time.sleep(0.1)
                yield b" "

        return drip()
    if path == "/deep":
        start_response("200 OK", [json_header])
        return [b"[" * 100_000 + b"]" * 100_000]
    start_response("200 OK", [json_header])
    return [b'{"result": [], "next_page_token": ""}']


def _client(make_runtime, url: str, **config) -> tuple[EngineClient, Recorder]:
    runtime = make_runtime()
    runtime.config = dataclasses.replace(runtime.config, **config)
    runtime.base_url = url
    runtime.session = make_session(rate_limit=None)
    runtime.session.max_bytes = runtime.config.max_response_bytes
    recorder = Recorder()
    return EngineClient(runtime, recorder), recorder


@pytest.fixture(scope="module")
def hostile():
    with serve(_app) as url:
        yield url


@pytest.mark.parametrize("path", ["/bomb", "/endless"])
def test_a_body_past_the_cap_is_a_finding_in_bounded_memory(make_runtime, hostile, path):
    client, recorder = _client(make_runtime, hostile, max_response_bytes=1_000_000, request_timeout=10)
    client.send("GET /tags", "GET", Request("/fine"), purpose="warm-up: the checks load their schemas once")
    tracemalloc.start()
    try:
        exchange = client.send("GET /tags", "GET", Request(path), purpose="probe")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exchange.status is None and "oversized" in (exchange.error or "")
    assert peak < 20_000_000, peak  # a 1 MB cap, not the 64 MB (or endless) body
    finding = next(iter(recorder.findings.values())).as_dict()
    assert finding["check"] == "server_error" and "larger than the 1,000,000-byte cap" in finding["message"]


def test_a_dribbling_body_ends_at_the_request_deadline(make_runtime, hostile):
    client, _ = _client(make_runtime, hostile, request_timeout=0.8)
    started = time.monotonic()
    exchange = client.send("GET /tags", "GET", Request("/drip"), purpose="probe")
    assert time.monotonic() - started < 10  # the 0.8 s deadline, not the endless target (margin: a busy CI)
    assert "no complete answer within 0.8s" in (exchange.error or "")


@pytest.fixture
def slow_headers():
    """A raw socket server that sends its status line, then one header line every 0.2 s, forever."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve_one():
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.2):
                    conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_headers_that_never_end_are_cut_at_the_deadline(make_runtime, slow_headers):
    client, _ = _client(make_runtime, slow_headers, request_timeout=0.8)
    started = time.monotonic()
    exchange = client.send("GET /tags", "GET", Request("/x"), purpose="probe")
    assert time.monotonic() - started < 10  # the 0.8 s deadline, not the endless target (margin: a busy CI)
    assert exchange.status is None and exchange.error is not None


def test_json_nested_100000_deep_is_a_json_response_finding(make_runtime, hostile):
    client, recorder = _client(make_runtime, hostile)
    client.send("GET /tags", "GET", Request("/deep"), purpose="probe")
    messages = {f.check: f.message for f in recorder.findings.values()}
    assert "nested too deeply" in messages["json_response"] or "nested deeper" in messages["json_response"]


@pytest.mark.parametrize(
    ("value", "expected"), [("nan", None), ("inf", None), ("-5", 0.0), ("2", 2.0), ("soon", None), ("1e400", None)]
)
def test_retry_after_values_that_say_nothing_usable_fall_back(value, expected):
    assert retry_after_seconds(value) == expected
    assert 0 <= _retry_after(value, 0) <= 30


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e308", "Fri, 31 Dec 9999 23:59:59 GMT", "soon"])
def test_429_waits_of_any_retry_after_are_bounded_over_the_whole_run(value, monkeypatch):
    """Without --max-time, a target answering 429 to every request held a run 7 s (nan) to 60 s (1e308) a request."""
    import conformance.client.transport as transport

    monkeypatch.setattr(transport, "MAX_RETRY_AFTER_S", 1.0)

    def refusing(environ, start_response):
        start_response("429 Too Many Requests", [("Content-Type", "application/json"), ("Retry-After", value)])
        return [b'{"error": "rate_limited", "message": "later"}']

    with serve(refusing) as url:
        session = make_session(rate_limit=None, base_url=url)
        session.max_waiting_s = 1.5  # the run's allowance (MAX_429_RUN_WAIT_S), made short
        started = time.monotonic()
        statuses = [session.fetch("GET", url + "/x", timeout=5)[0].status_code for _ in range(6)]
    assert statuses == [429] * 6  # each 429 the answer, judged
    assert session.waited_s <= 1.5 and time.monotonic() - started < 6, session.waited_s


@pytest.mark.parametrize("first_answered", [False, True])
def test_a_target_answering_429_forever_ends_at_max_time(tmp_path, first_answered):
    answered: list[int] = []

    def app(environ, start_response):
        if first_answered and not answered:  # the preflight passes, every test request after it waits
            answered.append(1)
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"result": [], "next_page_token": ""}']
        start_response("429 Too Many Requests", [("Content-Type", "application/json"), ("Retry-After", "999999")])
        return [b'{"error": "rate_limited", "message": "later"}']

    with serve(app) as url:
        started = time.monotonic()
        result = cli(
            "run", "--base-url", url, "--token", "any-token-will-do", "--max-time", "4", cwd=tmp_path, timeout=120
        )
        elapsed = time.monotonic() - started
    assert elapsed < 30, elapsed  # the budget plus start-up and the reports, not 30 s per request
    if not first_answered:
        assert_one_line_error(result, "--max-time ran out")
        return
    assert "Traceback" not in result.stderr
    summary = json.loads((tmp_path / "reports" / "results.json").read_text())["summary"]
    assert summary["stopped"] and "time budget" in summary["stopped"]


def test_the_preflight_does_not_follow_a_redirect_to_another_origin(tmp_path):
    reached: list[str] = []

    def elsewhere(environ, start_response):
        reached.append(environ.get("QUERY_STRING", ""))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"result": [], "next_page_token": ""}']

    with serve(elsewhere) as other:

        def redirecting(environ, start_response):
            start_response("302 Found", [("Location", other + environ["PATH_INFO"] + "?" + environ["QUERY_STRING"])])
            return [b""]

        with serve(redirecting) as url:
            cli("run", "--base-url", url, "--accesskey", "secret-key-0123456789", "--max-examples", "1", cwd=tmp_path)
    assert reached == []


def test_a_report_dir_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "taken").write_text("x")
    assert_one_line_error(cli("run", "--report-dir", "taken", cwd=tmp_path), "report")


@pytest.fixture
def content_with_204():
    """A keep-alive server whose 204 carries content: a client that reuses the connection reads those bytes as
    the start of its next answer."""
    import socketserver

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            late = b""  # the 204's content, sent once the next request is in: past urllib3's dropped-socket check
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                while self.rfile.readline() not in (b"\r\n", b""):
                    pass
                if b"/no-content" in line:
                    self.wfile.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 13\r\n\r\n")
                    late = b'{"zombie": 1}'
                    continue
                body = b'{"result": [], "next_page_token": ""}'
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                self.wfile.write(late + head % len(body) + body)
                late = b""

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_content_after_a_204_is_reported_and_never_read_as_the_next_answer(make_runtime, content_with_204):
    client, recorder = _client(make_runtime, content_with_204)
    first = client.send("GET /tags", "GET", Request("/no-content"), purpose="probe")
    second = client.send("GET /tags", "GET", Request("/tags"), purpose="probe")
    assert first.status == 204
    assert second.status == 200 and second.error is None, second.error
    assert "http_semantics" in {f.check for f in recorder.findings.values()}
