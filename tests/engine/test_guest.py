"""A polite guest: bounded waits, 429 and Retry-After honoured, no writes that could succeed unless allowed."""

from __future__ import annotations

import dataclasses
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from conformance.checks import Request
from conformance.client.client import EngineClient
from conformance.client.transport import make_session
from conformance.engine import _test_bodies
from conformance.engine.runtime import Runtime
from conformance.results.finding import Recorder


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    calls = []
    release = threading.Event()

    def app(environ, start_response):
        calls.append(time.monotonic())
        if environ["PATH_INFO"].endswith("/slow"):
            release.wait(30)  # a target that does not answer for half a minute (until the test is over)
        if environ["PATH_INFO"].endswith("/limited") and len(calls) < 3:
            start_response("429 Too Many Requests", [("Content-Type", "application/json"), ("Retry-After", "0.2")])
            return [b'{"error": "rate_limited", "message": "slow down"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"result": [], "next_page_token": ""}']

    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", calls
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.http
def test_429_is_waited_out_then_retried(slow_server):
    url, calls = slow_server
    session = make_session(rate_limit=None)
    response = session.get(url + "/limited", timeout=2)
    assert response.status_code == 200 and len(calls) == 3
    assert calls[2] - calls[0] >= 0.35  # two Retry-After waits of 0.2s


@pytest.mark.http
def test_rate_limit_spaces_requests(slow_server):
    url, calls = slow_server
    session = make_session(rate_limit=20)
    for _ in range(5):
        session.get(url + "/fast", timeout=2)
    assert calls[-1] - calls[0] >= 0.19  # 5 requests at 20/s take at least 4 intervals


@pytest.mark.http
def test_a_target_that_does_not_answer_in_time_is_a_finding_not_a_hang(make_runtime, slow_server):
    url, _ = slow_server
    runtime = make_runtime()
    runtime.config = dataclasses.replace(runtime.config, request_timeout=0.3)
    runtime.base_url = url
    runtime.session = make_session(rate_limit=None)
    recorder = Recorder()
    started = time.monotonic()
    EngineClient(runtime, recorder).send("GET /tags", "GET", Request("/slow"), purpose="probe")
    # Bounded by the 0.3 s deadline, not by the target's 30 s; the margin is for a loaded CI machine.
    assert time.monotonic() - started < 10
    finding = next(iter(recorder.findings.values())).as_dict()
    assert finding["check"] == "server_error" and "answer within 0.3s" in finding["message"]


def test_without_allow_writes_no_write_can_succeed(make_runtime):
    """A non-loopback target (simulated in-process) gets no POST/PUT/DELETE it could act on."""
    local = make_runtime()
    mock = local.mock
    sent: list[tuple[str, str, int]] = []

    def handle(method, path, query, headers, body):
        response = mock.handle(method, path, query, headers, body)
        sent.append((method, path, response.status))
        return response

    config = dataclasses.replace(local.config, base_url="https://api.example.com/v1.0", token="t")
    assert not config.writes_allowed
    runtime = Runtime(
        config,
        local.spec,
        local.profile,
        "https://api.example.com/v1.0",
        make_session(rate_limit=None, handle=handle, base_url="https://api.example.com"),
        local.credentials,
        local.redactor,
        mock,
    )
    for operation in runtime.operations:
        _test_bodies.run_operation(runtime, operation, Recorder())
    for collection in runtime.collections:
        _test_bodies.run_stateful(runtime, "tenant_isolation", collection.read, Recorder())
    writes = [(m, p, s) for m, p, s in sent if m in ("POST", "PUT", "DELETE")]
    assert writes, "the auth probes still reach write operations"
    assert all(not 200 <= s < 300 for _, _, s in writes), [w for w in writes if 200 <= w[2] < 300][:3]
