"""`proxy`: a client pointed at it still gets exactly what the target sent, every exchange is judged as it passes,
and the reports (and the recorded HAR) are written when it is stopped: SIGTERM, or --max-time."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conformance.mock._wire import answer_headers
from tests._tls import server_context, server_files
from tests.engine._integration import PASSWORD, Recording, integration, mock_target
from tests.engine.test_har import run_main

pytestmark = pytest.mark.http


@contextlib.contextmanager
def proxy(upstream: str, tmp: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The proxy as a user starts it, on a free port; yields the process and the proxy's origin."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    command = [sys.executable, "-m", "conformance", "proxy", "--upstream", upstream, "--port", "0", *args]
    process = subprocess.Popen(command, cwd=tmp, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Proxy on http://127.0.0.1:"), first + process.stderr.read()
        yield process, first.split()[2]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdout, process.stderr):  # a test that failed midway leaves no open pipe behind
            if pipe is not None:
                pipe.close()


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def recording(app):
    """What the mock answered, in order, as it went on the wire."""
    sent = []
    handle = app.handle

    def handle_and_keep(*args, **kwargs):
        answer = handle(*args, **kwargs)
        sent.append(answer)
        return answer

    app.handle = handle_and_keep
    return sent


def assert_seen_as_sent(received: list[requests.Response], sent: list) -> None:
    assert len(received) == len(sent)
    for response, answer in zip(received, sent, strict=True):
        assert response.status_code == answer.status
        assert response.content == (b"" if answer.status in (204, 304) else answer.body)
        wire = {name.lower(): value for name, value in answer_headers(answer)}
        got = {name.lower(): value for name, value in response.headers.items()}
        assert {name: got.get(name) for name in wire} == wire
        # the target's own, as it sent them; Connection is the hop's own (the integration asks each to close)
        assert set(got) - set(wire) <= {"server", "date", "connection"}


@pytest.mark.parametrize(("fault", "check"), [((), None), (("pages_overlap",), "pagination")])
def test_the_client_sees_what_the_target_sent_and_the_reports_come_on_sigterm(tmp_path, fault, check):
    with mock_target(faults=fault) as (origin, app):
        sent = recording(app)
        with proxy(origin, tmp_path, "--record", "p.har", "--report-dir", "rep", "--profile", "voipbin-2026-08") as (
            process,
            base,
        ):
            session = Recording()
            token = integration(base, session)
            code, out, err = stop(process)
    assert_seen_as_sent([response for _, response in session.exchanges], sent)
    assert code == (1 if check else 0), out + err
    results = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert results["summary"]["exchanges"] == 23  # every request of the API's (the login is at the root)
    assert {f["check"] for f in results["findings"]} == ({check} if check else set())
    if check:
        assert out.count("Pagination is broken") >= 2  # its line as it first passed, and the summary's
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (tmp_path / "rep" / name).stat().st_size > 0
    written = out + err + (tmp_path / "p.har").read_text()
    written += "".join(path.read_text() for path in (tmp_path / "rep").iterdir())
    assert token not in written and PASSWORD not in written
    # The recorded traffic judges as it did live.
    code, _, _ = run_main("judge", str(tmp_path / "p.har"), "--report-dir", str(tmp_path / "again"), "--profile",
                          "voipbin-2026-08")  # fmt: skip
    again = json.loads((tmp_path / "again" / "results.json").read_text())
    assert code == (1 if check else 0)
    assert {f["fingerprint"] for f in again["findings"]} == {f["fingerprint"] for f in results["findings"]}


def test_max_time_stops_it_and_no_traffic_is_no_pass(tmp_path):
    with mock_target() as (origin, _), proxy(origin, tmp_path, "--max-time", "1", "--report-dir", "rep") as (p, _):
        out, err = p.communicate(timeout=60)
    assert p.returncode == 2, out + err
    results = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert results["summary"]["verdict"]["outcome"] == "incomplete"
    assert "no exchange passed through the proxy" in results["summary"]["verdict"]["headline"]
    # The session is timed from when it began to listen, not from when its reports were written (was 0.0 s).
    assert results["summary"]["duration_s"] >= 1


def test_an_https_upstream_is_trusted_as_run_trusts_one(tmp_path):
    files = server_files(tmp_path)
    with mock_target() as (_, app):
        from conformance.mock.server import serve_in_thread

        server = serve_in_thread(app, "127.0.0.1", 0, tls=server_context(files))
        upstream = f"https://127.0.0.1:{server.port}"
        try:
            with proxy(upstream, tmp_path, "--ca-bundle", str(files.ca), "--report-dir", "ok") as (process, base):
                trusted = requests.get(f"{base}/v1.0/tags", timeout=10)
                stop(process)
            with proxy(upstream, tmp_path, "--report-dir", "untrusted") as (process, base):
                refused = requests.get(f"{base}/v1.0/tags", timeout=10)
                stop(process)
        finally:
            server.shutdown()
    assert trusted.status_code == 401  # the mock's own answer: no credentials
    assert refused.status_code == 502 and "not trusted" in refused.text
    assert refused.headers["X-Conformance-Proxy"] == "upstream-failed"


def test_compressed_and_oversized_answers_go_through_as_sent(tmp_path):
    """The client gets the upstream's bytes (gzip stays gzip); the checks read the body inflated; an answer over
    --max-response-bytes is streamed through whole and judged as a run judges an oversized answer."""
    import gzip

    from tests._servers import serve

    listed = json.dumps({"result": [], "next_page_token": ""}).encode()
    squeezed = gzip.compress(listed)
    big = b"[" + b"0," * 60_000 + b"0]"

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/v1.0/tags":
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])
            return [squeezed]
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(big)))])
        return [big]

    with (
        serve(app) as upstream,
        proxy(upstream, tmp_path, "--max-response-bytes", "4096", "--report-dir", "r") as (
            process,
            base,
        ),
    ):
        headers = {"Authorization": "Bearer a-token-of-the-client-0123456789", "Accept-Encoding": "gzip"}
        small = requests.get(f"{base}/v1.0/tags", headers=headers, stream=True, timeout=10)
        large = requests.get(f"{base}/v1.0/calls", headers=headers, stream=True, timeout=10)
        assert small.headers["Content-Encoding"] == "gzip"
        assert small.raw.read(decode_content=False) == squeezed
        assert large.raw.read(decode_content=False) == big
        code, out, err = stop(process)
    assert code == 1, out + err
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    keys = {(f["operation"], f["check"], f["key"]) for f in results["findings"]}
    assert keys == {("GET /calls", "server_error", "no-answer:oversized")}, out + err
    assert results["summary"]["checks"]["list_envelope"]["passed"] == 1  # the gzip body, read inflated


def test_help_promises_no_environment_variable_it_does_not_read(capsys):
    """judge and proxy take their options from the command line only; their help says no `$VOIPBIN_…`."""
    from conformance.cli import parser

    for command in ("judge", "proxy"):
        with pytest.raises(SystemExit):
            parser().parse_args([command, "--help"])
        assert "$VOIPBIN" not in capsys.readouterr().out


def test_a_second_signal_while_the_proxy_stops_marks_its_reports_interrupted(tmp_path):
    """The first signal is the proxy's ordinary stop; a second, as it writes its reports, is an interrupt: exit 2,
    and no report says passed."""
    with mock_target() as (origin, _), proxy(origin, tmp_path, "--report-dir", "rep") as (process, base):
        integration(base, Recording())
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 2, out + err
    summary = json.loads((tmp_path / "rep" / "results.json").read_text())["summary"]
    assert summary["interrupted"] is True and summary["verdict"]["headline"].startswith("Interrupted")
    assert "Passed" not in out and "Traceback" not in err


def test_insecure_is_said_in_every_output(tmp_path):
    """--insecure to an https upstream: results.json says tls_verified false (was null), and the console, summary.md
    and report.html say the certificate was never checked."""
    files = server_files(tmp_path)
    with mock_target() as (_, app):
        from conformance.mock.server import serve_in_thread

        server = serve_in_thread(app, "127.0.0.1", 0, tls=server_context(files))
        try:
            upstream = f"https://127.0.0.1:{server.port}"
            with proxy(upstream, tmp_path, "--insecure", "--report-dir", "r", "--record", "p.har") as (p, base):
                assert requests.get(f"{base}/v1.0/tags", timeout=10).status_code == 401
                _, out, err = stop(p)
        finally:
            server.shutdown()
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["summary"]["tls_verified"] is False, out + err
    assert "TLS NOT VERIFIED" in out
    for name in ("summary.md", "report.html"):
        assert "TLS NOT VERIFIED" in (tmp_path / "r" / name).read_text(), name
    assert "TLS NOT VERIFIED" in json.loads((tmp_path / "p.har").read_text())["log"]["comment"]


def test_its_signal_handlers_are_in_place_before_it_says_where_it_listens(monkeypatch, capsys, tmp_path):
    """A supervisor that sends SIGTERM as soon as it reads 'Proxy on …' gets the reports, not a killed process."""
    from conformance.config import Config
    from conformance.traffic import commands as traffic

    announced: list[bool] = []
    monkeypatch.setattr(traffic.signal, "signal", lambda *_: announced.append("Proxy on" in capsys.readouterr().out))
    config = Config(report_dir=str(tmp_path / "r")).validate()
    with mock_target() as (origin, _):
        traffic.proxy(config, origin, host="127.0.0.1", port=0, record=None, max_time=0.1)
    assert announced == [False, False]


def test_an_upstream_answer_cut_short_is_a_502_and_a_finding_in_the_reports(tmp_path):
    """Was: urllib3's ProtocolError out of the forwarding code, no answer to the client, and the reports said 'no
    exchange passed through the proxy'."""
    from tests.engine.test_proxy_hostile import RawUpstream

    def cut(conn):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a"')

    upstream = RawUpstream(cut)
    try:
        with proxy(upstream.url, tmp_path, "--report-dir", "r") as (process, base):
            answer = requests.get(f"{base}/v1.0/tags", timeout=30)
            code, out, err = stop(process)
    finally:
        upstream.close()
    assert answer.status_code == 502 and answer.headers["X-Conformance-Proxy"] == "upstream-failed"
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert code == 1 and "Traceback" not in out + err, out + err
    assert [(f["check"], f["operation"]) for f in results["findings"]] == [("server_error", "GET /tags")]
