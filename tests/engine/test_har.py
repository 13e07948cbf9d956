"""HAR both ways: `run --record-har` saves every exchange of a run (credentials as references, never in the clear,
every worker's share in one file), `judge` reads it back; a file that is not a HAR is one line and exit 2."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from conformance.cli import main
from conformance.data import bundled_spec_path
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_cli import cli

TOKEN = "run-token-for-the-har-0123456789abcdef"


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.http
def test_a_runs_har_holds_every_exchange_without_a_credential_and_judges_as_the_run_did(tmp_path):
    app = MockApp(
        load_spec(str(bundled_spec_path())), profile=load_profile("voipbin-2026-01"), faults=["zombie_delete"],
        seed=5, token=TOKEN,
    )  # fmt: skip
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        ran = cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--token", TOKEN, "--allow-writes",
            "--include", "^(GET|POST|DELETE) /tags", "--max-examples", "1", "--seed", "3", "--workers", "2",
            "--record-har", "run.har", "--report-dir", "run", cwd=tmp_path,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert ran.returncode == 1, ran.stdout + ran.stderr
    har = (tmp_path / "run.har").read_text()
    entries = json.loads(har)["log"]["entries"]
    sent = json.loads((tmp_path / "run" / "results.json").read_text())["summary"]["cases"]
    assert len(entries) >= sent  # every request of both workers (and their clean-up)
    assert not list(tmp_path.glob("run.har.part-*"))
    assert TOKEN not in har and "Bearer ${VOIPBIN_TOKEN}" in har
    assert [e["startedDateTime"] for e in entries] == sorted(e["startedDateTime"] for e in entries)
    code, out, err = run_main("judge", str(tmp_path / "run.har"), "--report-dir", str(tmp_path / "judged"))
    judged = json.loads((tmp_path / "judged" / "results.json").read_text())
    assert code == 1, out + err
    assert {f["check"] for f in judged["findings"]} == {"resource_lifecycle"}
    assert {f["key"] for f in judged["findings"]} <= {"zombie-read", "zombie-listed"}
    # The same fingerprints as the run's: `diff` of the run and its judged HAR finds nothing new.
    ran_findings = json.loads((tmp_path / "run" / "results.json").read_text())["findings"]
    assert {f["fingerprint"] for f in judged["findings"]} <= {f["fingerprint"] for f in ran_findings}
    code, out, err = run_main(
        "diff", str(tmp_path / "run" / "results.json"), str(tmp_path / "judged" / "results.json"),
        "--report-dir", str(tmp_path / "diff"),
    )  # fmt: skip
    assert code == 0, out + err


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not json at all", "is not a HAR file: not JSON"),
        (b"[]", "is not a HAR file: the document: [] is not of type 'object'"),
        (b'{"log": {"entries": [{"request": {"method": "GET"}, "response": {"status": 200}}]}}', "log.entries[0]"),
        (b'{"log": {"entries": [{"request": {"method": "GET", "url": 7}, "response": {}}]}}', "log.entries[0]"),
        (b"\xff\xfe{}", "not UTF-8"),
        (_nested(100_000).encode(), "nested too deeply"),
        (('{"log": ' + _nested(40) + "}").encode(), "nested deeper than 32 levels"),
    ],
)
def test_a_file_that_is_not_a_har_is_one_line_and_exit_2(tmp_path, content, fragment):
    path = tmp_path / "x.har"
    path.write_bytes(content)
    code, out, err = run_main("judge", str(path), "--report-dir", str(tmp_path / "r"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and fragment in err, err
    assert "Traceback" not in out + err


def test_a_har_over_the_size_cap_is_not_read(tmp_path):
    path = tmp_path / "big.har"
    path.write_text(json.dumps({"log": {"entries": []}}) + " " * 4096)
    code, _, err = run_main("judge", str(path), "--max-har-bytes", "1024", "--report-dir", str(tmp_path / "r"))
    assert code == 2 and "larger than 1,024 bytes" in err and len(err.strip().splitlines()) == 1


def test_a_missing_har_is_one_line(tmp_path):
    code, _, err = run_main("judge", str(tmp_path / "nowhere.har"), "--report-dir", str(tmp_path / "r"))
    assert code == 2 and "HAR file not found" in err


def test_an_answer_over_the_body_cap_is_judged_as_a_run_judges_one(tmp_path):
    """--max-response-bytes bounds each entry as it bounds a run's answers: a bigger body is an oversized answer
    (server_error), and never parsed."""
    body = json.dumps({"result": [{"id": "x" * 40}] * 100, "next_page_token": ""})
    entry = {
        "startedDateTime": "2026-01-15T10:00:00.000Z",
        "request": {"method": "GET", "url": "https://api.voipbin.net/v1.0/tags", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"size": len(body), "text": body}},
    }
    path = tmp_path / "one.har"
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    args = ("judge", str(path), "--max-response-bytes", "1024", "--report-dir", str(tmp_path / "r"))
    code, _, _ = run_main(*args)
    findings = json.loads((tmp_path / "r" / "results.json").read_text())["findings"]
    assert code == 1 and [f["key"] for f in findings] == ["no-answer:oversized"]
