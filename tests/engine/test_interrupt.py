"""Ctrl-C (or SIGTERM) midway: the run stops sending, deletes what it created, and writes its reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile

pytestmark = pytest.mark.http


def live_created(app: MockApp) -> list[str]:
    """What the run created and has not deleted; read between two requests, since the server thread mutates
    the store while the run goes on (iterating it mid-request raises "dictionary changed size")."""
    while True:
        try:
            buckets = list(app.store.buckets.values())
            return [rid for bucket in buckets for rid, r in list(bucket.items()) if r.order > 0 and not r.deleted]
        except RuntimeError:
            continue


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_cleans_up_and_reports(tmp_path, bundled, sig):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"))
    server = serve_in_thread(app, "127.0.0.1", 0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    env["VOIPBIN_TOKEN"] = app.customers[0].token
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--base-url",
                f"http://127.0.0.1:{server.port}/v1.0",
                "--max-examples",
                "40",
                "--allow-writes",
                "--report-dir",
                "out",
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # As from an interactive terminal: a harness that runs us as a background job hands its children
            # SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt.
            preexec_fn=lambda: (
                signal.signal(signal.SIGINT, signal.SIG_DFL),
                signal.signal(signal.SIGTERM, signal.SIG_DFL),
            ),
        )
        deadline = time.monotonic() + 60
        while not live_created(app) and time.monotonic() < deadline:  # wait until it has created something
            time.sleep(0.05)
        assert live_created(app), "the run never created anything"
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        server.shutdown()
    assert process.returncode in (1, 2), stderr
    assert "Traceback" not in stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["interrupted"] is True
    assert (tmp_path / "out" / "report.html").is_file()
    assert live_created(app) == []


def test_an_interrupt_mid_test_keeps_what_that_test_found(tmp_path, monkeypatch):
    """Ctrl-C after the test has found something: its findings are in the reports, no later test starts."""
    from conformance.config import Config
    from conformance.engine import run

    calls = {"n": 0}
    handle = MockApp.handle

    def interrupting(self, method, path, *args):
        if path.endswith("/tags"):
            calls["n"] += 1
            if calls["n"] == 5:  # inside the second test, past its first list answers, which the fault breaks
                raise KeyboardInterrupt
        return handle(self, method, path, *args)

    monkeypatch.setattr(MockApp, "handle", interrupting)
    config = Config(
        seed=5,
        max_examples=5,
        include="^GET /tags$|^GET /flows$",
        mock_faults=("list_without_next_page_token",),
        report_dir=str(tmp_path / "out"),
    )
    code = run(config)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert code == 2  # interrupted: incomplete, whatever it found so far
    assert results["summary"]["verdict"]["headline"].startswith("Interrupted")
    assert "list_envelope" in {f["check"] for f in results["findings"]}
    # The interrupted test (the second, GET /tags) kept what it had found before the interrupt.
    assert {f["operation"] for f in results["findings"]} == {"GET /flows", "GET /tags"}
    summary = results["summary"]
    assert summary["interrupted"] is True
    assert summary["tests"]["done"] < summary["tests"]["total"]
    assert "interrupted" not in summary["checks"]
