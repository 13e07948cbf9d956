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


def _start_mock(tmp_path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "mock", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = process.stdout.readline()
        assert line, process.communicate(timeout=10)[1]
        lines.append(line)
    return process, lines


def test_mock_tls_serves_https_with_a_ca_it_prints_and_removes(tmp_path):
    port = _free_port()
    process, lines = _start_mock(tmp_path, "--tls", "--port", str(port), "--require-header", "X-Gateway-Key: k1")
    try:
        text = "".join(lines)
        assert f"listening on https://127.0.0.1:{port}/v1.0" in text
        exported = next(line for line in lines if "export REQUESTS_CA_BUNDLE=" in line)
        ca = exported.split("REQUESTS_CA_BUNDLE=")[1].split()[0]
        assert f"--ca-bundle {ca}" in exported
        assert "-H 'X-Gateway-Key: k1'" in text
        token = next(line for line in lines if "token=" in line).split("token=")[1].strip()
        with requests.Session() as session:
            session.verify, session.trust_env = ca, False
            headers = {"Authorization": f"Bearer {token}", "X-Gateway-Key": "k1"}
            assert session.get(f"https://127.0.0.1:{port}/v1.0/tags", headers=headers, timeout=5).status_code == 200
            gateway = session.get(f"https://127.0.0.1:{port}/v1.0/tags", timeout=5)
            assert gateway.status_code == 403 and gateway.headers["Content-Type"] == "text/html"
    finally:
        process.send_signal(signal.SIGTERM)  # as a CI job stops it
        _, err = process.communicate(timeout=10)
    assert "Traceback" not in err
    assert not os.path.exists(os.path.dirname(ca))  # its generated CA and key went with it


def test_mock_serves_a_given_certificate_and_key(tmp_path):
    from tests._tls import server_files

    files = server_files(tmp_path / "given")
    port = _free_port()
    process, lines = _start_mock(tmp_path, "--tls-cert", files.cert, "--tls-key", files.key, "--port", str(port))
    try:
        assert f"listening on https://127.0.0.1:{port}/v1.0" in "".join(lines)
        with requests.Session() as session:
            session.verify, session.trust_env = files.ca, False
            assert session.get(f"https://127.0.0.1:{port}/v1.0/tags", timeout=5).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert os.path.exists(files.cert)  # a given pair is the user's, left where it was


def test_mock_tls_bad_input_is_one_line(tmp_path):
    port = str(_free_port())
    (tmp_path / "empty.pem").write_text("")
    assert_one_line_error(cli("mock", "--tls-cert", "c.pem", "--port", port, cwd=tmp_path), "go together")
    bad_pair = cli("mock", "--tls-cert", "empty.pem", "--tls-key", "empty.pem", "--port", port, cwd=tmp_path)
    assert_one_line_error(bad_pair, "cannot serve TLS")
    assert_one_line_error(cli("mock", "--require-header", "nocolon", "--port", port, cwd=tmp_path), "Name: value")
