"""`pytest --spec … --base-url …` runs the same suite through the plugin, with the same reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def pytest_run(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_pytest_from_the_checkout_runs_the_suite(tmp_path):
    result = pytest_run(
        "--conformance", "--max-examples", "1", "--include", "tags", "--report-dir", str(tmp_path), "-q", cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 passed" in result.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["summary"]["operations_tested"] == 5


def test_pytest_anywhere_with_the_plugin_reports_findings(tmp_path, bundled):
    result = pytest_run(
        "--spec",
        str(bundled),
        "--include",
        "^GET /tags$",
        "--max-examples",
        "1",
        "--mock-fault",
        "result_null",
        "--report-dir",
        "out",
        "-q",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "list_envelope" in result.stdout
    assert (tmp_path / "out" / "junit.xml").is_file()


def test_the_plugin_coexists_with_pytest_base_url_and_reuses_its_option(tmp_path, bundled):
    """pytest-base-url is installed with the dev extras: its --base-url and ours are one option."""
    from importlib.metadata import distribution

    from conformance.mock import MockApp
    from conformance.mock.server import serve_in_thread
    from conformance.openapi import load_spec
    from conformance.profiles import load_profile

    assert distribution("pytest-base-url")
    assert pytest_run("--version", cwd=tmp_path).returncode == 0
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), faults=["result_null"])
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        result = pytest_run(
            "--spec",
            str(bundled),
            "--base-url",
            f"http://127.0.0.1:{server.port}/v1.0",
            "--token",
            app.customers[0].token,
            "--include",
            "^GET /tags$",
            "--max-examples",
            "1",
            "--report-dir",
            "out",
            "-q",
            cwd=tmp_path,
        )
    finally:
        server.shutdown()
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["target"].startswith("http://127.0.0.1:")


def test_base_url_alone_leaves_an_unrelated_suite_alone(tmp_path):
    """A UI suite run with pytest-base-url's --base-url (no VoIPBIN credentials) runs its own tests."""
    (tmp_path / "test_ui.py").write_text("def test_page(base_url):\n    assert base_url == 'http://app.invalid'\n")
    result = pytest_run("--base-url", "http://app.invalid", "test_ui.py", "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
