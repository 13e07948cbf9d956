"""`voipbin-conformance mock` as a user starts it: where it listens, its customers, and a working API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.engine.test_cli import _free_port, assert_one_line_error, cli

pytestmark = pytest.mark.http


def test_mock_serves_and_prints_its_credentials(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance",
            "mock",
            "--port",
            str(port),
            "--token",
            "T1",
            "--accesskey",
            "K1",
            "--rate-limit",
            "50/s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        assert f"listening on http://127.0.0.1:{port}/v1.0" in "".join(lines)
        assert "token=T1" in "".join(lines) + process.stdout.readline()
        base = f"http://127.0.0.1:{port}/v1.0"
        assert requests.get(f"{base}/tags", headers={"Authorization": "Bearer T1"}, timeout=5).status_code == 200
        assert requests.get(f"{base}/tags", params={"accesskey": "K1"}, timeout=5).status_code == 200
        denied = requests.get(f"{base}/tags", timeout=5)
        assert denied.status_code == 401 and denied.headers["Content-Type"] == "application/json"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)  # also closes the pipes


def test_mock_lists_faults_with_their_checks(tmp_path):
    result = cli("mock", "--list-faults", cwd=tmp_path)
    assert result.returncode == 0
    assert any(line.split()[:2] == ["token_loops", "pagination"] for line in result.stdout.splitlines())


def test_mock_bad_input_is_one_line(tmp_path):
    assert_one_line_error(cli("mock", "--rate-limit", "fast", cwd=tmp_path), "--rate-limit expects N/s")
    assert_one_line_error(cli("mock", "--fault", "nope", "--port", str(_free_port()), cwd=tmp_path), "unknown fault")
