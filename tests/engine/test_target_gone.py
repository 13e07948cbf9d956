"""A target that goes away mid-run (a staging deploy restarting): the run stops, keeps what it found, says why,
and exits 2, instead of turning every later request into a 'connection failed' finding."""

from __future__ import annotations

import json
import threading

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http


class _GoesAway(MockApp):
    """Answers `budget` requests, then shuts its server: the listening socket and every kept-alive connection."""

    budget = 150
    server = None

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        self.budget -= 1
        if self.budget == 0 and self.server is not None:
            threading.Thread(target=self.server.shutdown).start()
        if self.budget <= 0:
            raise ConnectionAbortedError("deploying")  # the handler thread drops this connection
        return super().handle(method, path, query, headers, body)


def test_a_target_that_goes_away_stops_the_run_with_exit_2(tmp_path, bundled):
    app = _GoesAway(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    server = app.server = serve_in_thread(app, "127.0.0.1", 0)
    env = {"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_ACCESSKEY": app.customers[0].accesskey}
    try:
        result = cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--max-examples", "2", "--report-dir", "out",
            cwd=tmp_path, env=env,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["target_gone"].startswith("the target stopped answering after ")
    assert summary["complete"] is False
    findings = json.loads((tmp_path / "out" / "results.json").read_text())["findings"]
    assert len([f for f in findings if "connection failed" in f["message"]]) <= 1
    assert "the target stopped answering after" in result.stdout


class _HangsOnBodies(MockApp):
    """Never answers a request with a JSON body (as Prism never answers some operations); answers everything else.
    (Bodies that are not JSON would do too, but how many a run draws depends on the seed: JSON bodies are sure.)"""

    hung = 0

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        import json as _json
        import time

        if body:
            try:
                _json.loads(body)
            except ValueError:
                pass
            else:
                self.hung += 1
                time.sleep(3)
        return super().handle(method, path, query, headers, body)


def test_an_operation_that_never_answers_one_kind_of_request_costs_three_timeouts(tmp_path, bundled):
    """A hanging target costs once: after three unanswered requests of one shape, the rest is not sent."""
    app = _HangsOnBodies(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    server = serve_in_thread(app, "127.0.0.1", 0)
    env = {"VOIPBIN_TOKEN": app.customers[0].token}
    try:
        result = cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--include", "^POST /tags$",
            "--allow-writes", "--max-examples", "25", "--request-timeout", "0.5", "--report-dir", "out",
            cwd=tmp_path, env=env,
        )  # fmt: skip
    finally:
        server.shutdown()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert result.returncode == 1, result.stdout[-2000:]
    assert app.hung <= 3, app.hung  # without the rule: every generated case with a body
    notes = [n for ns in results["summary"]["notes"].values() for n in ns]
    assert any(n.startswith("not sent: the rest of its requests with a JSON body") for n in notes), notes
    titles = [p["title"] for p in results["problems"]]
    assert "The server fails (5xx) or does not answer (no complete answer within the deadline)" in titles


class _Counting(MockApp):
    seen = 0

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        self.seen += 1
        return super().handle(method, path, query, headers, body)


def test_a_target_that_goes_away_in_the_last_requests_is_not_findings(tmp_path, bundled):
    """Fewer than five requests left when it went: the test's end asks once more, and the silence is the target
    going away (exit 2), never 'connection failed' findings (2 false criticals before)."""
    args = ("--include", "^GET /tags$", "--max-examples", "1", "--seed", "4", "--checks", "server_error,auth_accepted")
    counting = _Counting(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    env = {"VOIPBIN_TOKEN": counting.customers[0].token, "VOIPBIN_ACCESSKEY": counting.customers[0].accesskey}
    server = serve_in_thread(counting, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/v1.0"
        assert cli("run", "--base-url", url, *args, "--report-dir", "all", cwd=tmp_path, env=env).returncode == 0
    finally:
        server.shutdown()
    app = _GoesAway(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    app.budget = counting.seen - 2  # the last two requests find no target
    env = {"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_ACCESSKEY": app.customers[0].accesskey}
    server = app.server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/v1.0"
        result = cli("run", "--base-url", url, *args, "--report-dir", "out", cwd=tmp_path, env=env)
    finally:
        server.shutdown()
    assert result.returncode == 2, (counting.seen, result.stdout[-2000:], result.stderr[-2000:])
    assert (tmp_path / "out" / "results.json").exists(), (counting.seen, result.stderr[-2000:])
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["findings"] == [] and results["summary"]["target_gone"]
