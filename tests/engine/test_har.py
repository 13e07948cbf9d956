"""HAR both ways: `run --record-har` saves every exchange of a run (credentials as references, never in the clear,
every worker's share in one file), `judge` reads it back; a file that is not a HAR is one line and exit 2."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from conformance.checks import Exchange
from conformance.cli import main
from conformance.client import har as _har
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


def _entry(url: str, status: int = 200, body: str = '{"result": [], "next_page_token": ""}') -> dict:
    credentials = [{"name": "Authorization", "value": "Bearer abcdefgh1234"}]
    return {
        "startedDateTime": "2026-01-15T10:00:00.000Z",
        "request": {"method": "GET", "url": url, "headers": credentials},
        "response": {"status": status, "headers": [{"name": "Content-Type", "value": "application/json"}],
                     "content": {"size": len(body), "text": body}},
    }  # fmt: skip


def _judge(tmp_path, entries: list, *args: str) -> tuple[int, str, str, dict | None]:
    path = tmp_path / "x.har"
    path.write_text(json.dumps({"log": {"entries": entries}}))
    code, out, err = run_main("judge", str(path), "--report-dir", str(tmp_path / "r"), *args)
    results = tmp_path / "r" / "results.json"
    return code, out, err, json.loads(results.read_text()) if results.exists() else None


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/v1.0/tags",
        "http://[127.0.0.1]/v1.0/tags",
        "http://127.0.0.1/v1.0/tags?q=\ud800",
        "http://127.0.0.1:99999/v1.0/tags",
        "http://127.0.0.1:port/v1.0/tags",
        "http://127.0.0.1/v1.0/\x00tags",
        "http:///v1.0/tags",
    ],
)
def test_an_unreadable_entry_is_counted_and_the_rest_judged(tmp_path, url):
    """Was: ValueError / UnicodeEncodeError out of judge, exit 1, no reports."""
    code, out, err, results = _judge(tmp_path, [_entry(url), _entry("https://api.voipbin.net/v1.0/tags")])
    assert "Traceback" not in out + err and results is not None, out + err
    assert code in (0, 1)
    assert results["summary"]["exchanges"] == 1
    assert results["summary"]["traffic"]["unreadable"] == 1
    assert "1 unreadable entry, not judged: entry 1 (" in out


def test_a_lone_surrogate_anywhere_in_an_entry_is_no_traceback(tmp_path):
    entry = _entry("https://api.voipbin.net/v1.0/tags")
    entry["request"]["headers"].append({"name": "X-\ud800", "value": "\udfff"})
    entry["response"]["content"]["text"] = '{"result": [], "next_page_token": "\ud800"}'
    _, out, err, results = _judge(tmp_path, [entry, _entry("https://api.voipbin.net/v1.0/tags")])
    assert "Traceback" not in out + err and results is not None, out + err
    assert results["summary"]["exchanges"] + results["summary"]["traffic"]["unreadable"] == 2


@pytest.mark.parametrize(
    ("url", "judged"),
    [
        ("https://127.0.0.1/v1.0/tags", True),
        ("https://127.0.0.1:443/v1.0/tags", True),
        ("http://127.0.0.1/v1.0/tags", False),  # was judged: the scheme was not compared
        ("https://127.0.0.1:8443/v1.0/tags", False),
        ("https://127.0.0.2/v1.0/tags", False),
        ("https://127.0.0.1/v2.0/tags", False),
    ],
)
def test_base_url_scope_is_scheme_host_port_and_path(tmp_path, url, judged):
    entries = [_entry(url), _entry("https://127.0.0.1/v1.0/tags")]
    _, out, err, results = _judge(tmp_path, entries, "--base-url", "https://127.0.0.1/v1.0")
    assert results is not None, out + err
    assert results["summary"]["exchanges"] == (2 if judged else 1)


@pytest.mark.parametrize(
    "content",
    [
        b'{"log": {"entries": [',  # truncated
        b'{"log": {"entries": {}}}',
        b'{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/v1.0/tags", "headers": {}},'
        b' "response": {"status": 200}}]}}',
        b'{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}, "response": {"status": "200"}}]}}',
        b'{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}, "response": {"status": 1e400}}]}}',
        b'{"log": null}',
        b"\x00\x01\x02",
        b"",
    ],
)
def test_more_files_that_are_not_a_har_are_one_line_and_exit_2(tmp_path, content):
    path = tmp_path / "x.har"
    path.write_bytes(content)
    code, out, err = run_main("judge", str(path), "--report-dir", str(tmp_path / "r"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in out + err, err


@pytest.mark.parametrize(
    "change",
    [
        {"time": float("nan")},
        {"time": 1e308},
        {"startedDateTime": "0001-01-01T00:00:00+14:00"},
        {"startedDateTime": "9999-12-31T23:59:59-14:00"},
        {"_resourceType": "fetch", "request": {"method": "G\x1bE\nT", "url": "https://api.voipbin.net/v1.0/tags"}},
        {"response": {"status": 200, "content": {"text": "!!!", "encoding": "base64"}}},
        {"response": {"status": 200, "content": {"text": "x" * 2_000_000}}},
        {"response": {"status": 200, "headers": [{"name": "Content-Type", "value": "\x1b[31mred\x07"}]}},
    ],
)
def test_odd_but_valid_entries_are_judged_without_a_traceback(tmp_path, change):
    entry = {**_entry("https://api.voipbin.net/v1.0/tags"), **change}
    code, out, err, results = _judge(tmp_path, [entry, _entry("https://api.voipbin.net/v1.0/tags")])
    assert "Traceback" not in out + err and results is not None, out + err
    assert "\x1b" not in out and code in (0, 1)


def test_ten_thousand_entries_are_judged(tmp_path):
    entries = [_entry(f"https://api.voipbin.net/v1.0/tags?n={n}") for n in range(10_000)]
    code, out, err, results = _judge(tmp_path, entries)
    assert code == 0 and results is not None and results["summary"]["exchanges"] == 10_000, out + err


def _exchange(n: int, body: bytes, **extra) -> Exchange:
    exchange = Exchange("", "GET", f"https://api.voipbin.net/v1.0/tags?n={n}", {}, None, started=1_700_000_000.0 + n)
    exchange.status, exchange.response_headers = 200, {"content-type": "application/json"}
    exchange.response_body = body
    for name, value in extra.items():
        setattr(exchange, name, value)
    return exchange


def test_a_recorded_har_keeps_bodies_bounded_and_judge_reads_it(tmp_path):
    """Was: 7.8 MB answers made a 468 MiB HAR that judge refused. Each body is cut to KEPT_BODY, marked and said in
    the entry's comment; judge counts a cut answer as unrecorded rather than judging the cut (no JSON finding)."""
    big = json.dumps({"result": [{"id": "x" * 60}] * 100_000, "next_page_token": ""}).encode()
    assert len(big) > 7_000_000
    path = str(tmp_path / "big.har")
    writer = _har.Writer(path, lambda text: text)
    for n in range(5):
        writer.add(_exchange(n, big, request_body=big, method="POST"))
    writer.add(_exchange(9, b'{"result": [], "next_page_token": ""}'))
    writer.close()
    assert _har.assemble(path) == 6
    size = (tmp_path / "big.har").stat().st_size
    assert size < 6 * 2 * (_har.KEPT_BODY + 4096), size
    entries = json.loads((tmp_path / "big.har").read_text())["log"]["entries"]
    assert "body cut to its first 262,144 of" in entries[0]["comment"]
    assert entries[0]["response"]["content"]["size"] == len(big) and entries[0]["response"]["content"][_har.CUT]
    code, out, err = run_main("judge", path, "--report-dir", str(tmp_path / "r"))
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert code == 0 and results["findings"] == [], out + err
    assert results["summary"]["traffic"]["unrecorded"] == 5 and results["summary"]["exchanges"] == 1


def test_a_recorded_har_stays_readable_however_many_entries(tmp_path, monkeypatch):
    """Past KEPT_BODIES the bodies are left out (said), past KEPT_HAR the entries (counted in the log's comment)."""
    monkeypatch.setattr(_har, "KEPT_BODIES", 20_000)
    monkeypatch.setattr(_har, "KEPT_HAR", 60_000)
    path = str(tmp_path / "many.har")
    writer = _har.Writer(path, lambda text: text)
    for n in range(200):
        writer.add(_exchange(n, b'{"result": [], "next_page_token": "' + b"p" * 1000 + b'"}'))
    writer.close()
    kept = _har.assemble(path)
    assert 20 < kept < 200 and (tmp_path / "many.har").stat().st_size <= 60_000 + 1024
    log = json.loads((tmp_path / "many.har").read_text())["log"]
    assert log["comment"] == f"{200 - kept} later entries left out: the HAR reached 60,000 bytes"
    assert "body left out" in log["entries"][-1]["comment"] and "text" not in log["entries"][-1]["response"]["content"]
    code, out, err = run_main("judge", path, "--report-dir", str(tmp_path / "r"))
    traffic = json.loads((tmp_path / "r" / "results.json").read_text())["summary"]["traffic"]
    assert code == 0 and traffic["judged"] + traffic["unrecorded"] == kept and traffic["unrecorded"] > 0, out + err


def test_assembling_scrubs_as_it_writes_and_never_holds_the_har(tmp_path):
    """A secret learned after its entry was written is scrubbed on the way into the HAR (was: the whole HAR read
    back and rewritten, +685 MiB peak for a 468 MiB file)."""
    import tracemalloc

    secret = "late-learned-secret-0123456789"
    path = str(tmp_path / "s.har")
    writer = _har.Writer(path, lambda text: text)
    body = json.dumps({"token": secret, "pad": "y" * 200_000}).encode()
    for n in range(100):
        writer.add(_exchange(n, body))
    writer.close()
    tracemalloc.start()
    try:
        _har.assemble(path, lambda line: line.replace(secret, "[REDACTED]"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = (tmp_path / "s.har").read_text()
    assert len(text) > 20_000_000 and secret not in text and "[REDACTED]" in text
    assert peak < 4_000_000, peak


def test_an_entry_a_killed_worker_left_cut_short_is_left_out(tmp_path):
    path = str(tmp_path / "k.har")
    writer = _har.Writer(path, lambda text: text)
    writer.add(_exchange(1, b'{"result": [], "next_page_token": ""}'))
    writer.close()
    with open(_har.parts(path)[0], "a", encoding="utf-8") as part:
        part.write('1700000002.0\t{"startedDateTime": "2026-01-15T10:00:00.000Z", "request": {"meth')
    assert _har.assemble(path) == 1
    assert len(json.loads((tmp_path / "k.har").read_text())["log"]["entries"]) == 1


def test_a_gateway_header_is_in_the_har_as_a_reference_whatever_its_name(tmp_path):
    """Sweep: `-H 'X-Gateway: <its key>'` went into every HAR entry in clear: only credential-named headers were
    redacted, and a gateway's header name is the gateway's, not the user's choice."""
    gateway = "gw-value-7f3a9c1e5b"
    ran = cli(
        "run", "--include", "^GET /tags$", "--max-examples", "1", "-H", f"X-Gateway: {gateway}",
        "--record-har", "run.har", "--report-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    har = (tmp_path / "run.har").read_text()
    assert gateway not in har and "${VOIPBIN_HEADER_X_GATEWAY}" in har


def test_a_cookie_header_keeps_the_probe_cookie_in_the_har_and_judge_finds_nothing_on_the_conformant_mock(tmp_path):
    """-H 'Cookie: …' on 2026-08: the "valid token via token_cookie" probe sent `Cookie: <user's>; token=<token>` and
    got 200. The HAR wrote the whole header as ${VOIPBIN_HEADER_COOKIE}, so `judge` of that HAR sees a request
    without credentials answered 200 and fails the conformant mock (auth_missing_rejected, exit 1).
    11eb273 wrote `${VOIPBIN_HEADER_COOKIE}; token=${VOIPBIN_TOKEN}` and judge passed."""
    ran = cli(
        "run", "--profile", "voipbin-2026-08", "--include", "^(GET|POST) /tags$", "--seed", "1",
        "-H", "Cookie: sess=cookie-value-0123456789", "--record-har", "run.har", "--report-dir", "out", cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    har = json.loads((tmp_path / "run.har").read_text())
    probe = [e for e in har["log"]["entries"] if e.get("comment") == "valid token via token_cookie"]
    assert probe, "the cookie probe ran"
    cookie = next(h["value"] for h in probe[0]["request"]["headers"] if h["name"].lower() == "cookie")
    assert "token=" in cookie, f"the HAR hides the probe's token cookie: {cookie!r}"
    judged = cli("judge", "run.har", "--profile", "voipbin-2026-08", "--report-dir", "jout", cwd=tmp_path)
    assert judged.returncode == 0, judged.stdout + judged.stderr
