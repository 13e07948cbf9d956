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


def _default_signals() -> None:
    """As from an interactive terminal (a harness may hand its children SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _signalled_run(tmp_path, sig: int, delay: float, name: str, *args: str) -> tuple[subprocess.Popen, str, str]:
    """A default run (embedded mock) signalled `delay` seconds after it started; (process, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--max-examples", "60", "--report-dir", name, *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: (
            signal.signal(signal.SIGINT, signal.SIG_DFL),
            signal.signal(signal.SIGTERM, signal.SIG_DFL),
        ),
    )
    time.sleep(delay)
    assert process.poll() is None, "the run ended before the signal: make it longer"
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=180)
    return process, stdout, stderr


def _assert_interrupted(tmp_path, name: str, process: subprocess.Popen, stdout: str, stderr: str, sig: int) -> None:
    """Never exit 0, never "Passed", anywhere; the reports (where any were written) say interrupted."""
    assert process.returncode not in (0, 1), (process.returncode, stdout, stderr)
    assert "Passed" not in stdout + stderr
    assert "Traceback" not in stderr
    results_path = tmp_path / name / "results.json"
    if process.returncode == 128 + sig:  # stopped before any report: the signal's own status
        assert not results_path.exists() or "Interrupted" in results_path.read_text()
        return
    assert process.returncode == 2, stderr
    summary = json.loads(results_path.read_text())["summary"]
    assert summary["interrupted"] is True and summary["signal"] == signal.Signals(sig).name
    assert summary["verdict"]["outcome"] == "incomplete" and summary["verdict"]["headline"].startswith("Interrupted")
    for report in ("summary.md", "report.html", "junit.xml"):
        text = (tmp_path / name / report).read_text()
        assert "Interrupted" in text and "Passed:" not in text, report
    assert "Interrupted" in stdout


MOMENTS = 12  # random moments, from start-up to well inside the tests (a run of 60 examples takes 20 s or more)


@pytest.mark.parametrize("moment", range(MOMENTS))
def test_a_signal_at_any_moment_never_ends_in_passed(tmp_path, moment):
    """5 of 10 Ctrl-C'd runs said "Passed": the KeyboardInterrupt was raised inside a gc or weakref callback, where
    Python prints it and drops it. Half SIGINT, half SIGTERM, each at its own moment."""
    import random

    sig = (signal.SIGINT, signal.SIGTERM)[moment % 2]
    delay = random.Random(moment).uniform(0.05, 5.0)
    process, stdout, stderr = _signalled_run(tmp_path, sig, delay, "out")
    _assert_interrupted(tmp_path, "out", process, stdout, stderr, sig)


def test_twice_in_a_row_is_still_one_interrupted_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "run", "--max-examples", "60", "--report-dir", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=180)
    _assert_interrupted(tmp_path, "out", process, stdout, stderr, signal.SIGINT)


def _in_process_run(tmp_path, **more):
    from conformance.config import Config
    from conformance.engine import run

    config = Config(seed=3, max_examples=1, include="^GET /tags$|^POST /tags$", report_dir=str(tmp_path / "out"))
    return run(config.__class__(**{**config.__dict__, **more}))


def _reports_say_interrupted(tmp_path) -> dict:
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["interrupted"] is True, results["summary"]["verdict"]
    assert results["summary"]["verdict"]["headline"].startswith("Interrupted")
    for report in ("summary.md", "report.html", "junit.xml"):
        text = (tmp_path / "out" / report).read_text()
        assert "Interrupted" in text and "Passed:" not in text, report
    return results


def test_a_signal_while_the_reports_are_written_still_says_interrupted(tmp_path, monkeypatch):
    """The signal lands after the verdict ("passed") was decided, while results.json is written: every report is
    written again, interrupted."""
    from conformance.reporting import plugin

    write = plugin.write_results

    def signalled(*args, **kwargs):
        write(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(plugin, "write_results", signalled)
    assert _in_process_run(tmp_path) == 2
    tests = _reports_say_interrupted(tmp_path)["summary"]["tests"]
    assert tests["done"] == tests["total"]  # every test ran: the signal came as the reports were written


def test_a_signal_during_a_stateful_test(tmp_path, monkeypatch):
    from conformance.engine import _test_bodies

    stateful = _test_bodies.run_stateful

    def signalled(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return stateful(*args, **kwargs)

    monkeypatch.setattr(_test_bodies, "run_stateful", signalled)
    assert _in_process_run(tmp_path, allow_writes=True) == 2
    _reports_say_interrupted(tmp_path)


def _kill_and_wait() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):  # Python runs the handler between two bytecodes of this loop: inside the callback
        pass


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the dropped KeyboardInterrupt
def test_a_keyboard_interrupt_python_drops_in_a_callback_still_stops_the_run(tmp_path, monkeypatch):
    """The cause of the lost Ctrl-C: the handler ran inside a weakref callback, whose exception Python only
    prints. The flag the handler set first stops the run at the next request."""
    import weakref

    from conformance.engine import _generation

    generate = _generation.generate

    class Thing:
        pass

    def signalled(*args, **kwargs):
        thing = Thing()
        ref = weakref.ref(thing, lambda _: _kill_and_wait())
        del thing  # the callback runs here, and the handler's KeyboardInterrupt is raised inside it, and lost
        assert ref() is None
        return generate(*args, **kwargs)

    monkeypatch.setattr(_generation, "generate", signalled)
    monkeypatch.setattr("conformance.engine._test_bodies.generate", signalled)
    assert _in_process_run(tmp_path) == 2
    summary = _reports_say_interrupted(tmp_path)["summary"]
    assert summary["signal"] == "SIGINT"
    assert summary["tests"]["done"] < summary["tests"]["total"]  # stopped at the next request, not at the end
    assert summary["cases"] == 0  # that request never went out
