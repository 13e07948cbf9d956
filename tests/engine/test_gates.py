"""Gates that cannot lie: nothing tested is no pass, an early end is incomplete, reach is reported, and
merges cover every shard exactly once."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_cli import assert_one_line_error, cli


@pytest.mark.parametrize(
    "args", [["--include", "^NOPE"], ["--exclude", "."], ["--include", "tags", "--exclude", "tags"]]
)
def test_a_run_that_selects_no_operation_is_exit_2(tmp_path, args):
    assert_one_line_error(cli("run", *args, cwd=tmp_path), "no operation selected", "0 of 56")


def test_a_run_stopped_by_max_time_is_incomplete_everywhere(tmp_path):
    result = cli("run", "--max-time", "1", "--max-examples", "20", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "follows every checked convention" not in result.stdout
    assert "Incomplete:" in result.stdout
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["complete"] is False and summary["tests"]["done"] < summary["tests"]["total"]
    assert "Incomplete:" in (tmp_path / "out" / "report.html").read_text()
    assert 'name="complete" value="False"' in (tmp_path / "out" / "junit.xml").read_text()


class _NoCallReads(MockApp):
    """A call can be listed but never read: GET /calls/{id} answers 404 whatever the id."""

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        if method == "GET" and path.startswith("/v1.0/calls/") and path.count("/") == 3:
            return self.render.error(404, "RESOURCE_NOT_FOUND", "no such call", "req_0")
        return super().handle(method, path, query, headers, body)


def test_reach_is_reported_and_min_reach_fails_a_run_below_it(tmp_path, bundled):
    common = ("run", "--seed", "2", "--max-examples", "1", "--include", "^GET /calls", "--report-dir")
    spec = load_spec(str(bundled))
    mock = _NoCallReads(spec, profile=load_profile("voipbin-2026-01"), seed=2)
    server = serve_in_thread(mock, "127.0.0.1", 0)
    try:
        target = ("--base-url", f"http://127.0.0.1:{server.port}{spec.base_path}", "--token", mock.customers[0].token)
        result = cli(*common, "low", "--min-reach", "100", *target, cwd=tmp_path)
        enough = cli(*common, "ok", "--min-reach", "50", *target, cwd=tmp_path)
    finally:
        server.shutdown()
    reach = json.loads((tmp_path / "low" / "results.json").read_text())["summary"]["reach"]
    assert reach["operations"] > reach["reached_2xx"] > 0
    assert "GET /calls/{id}" in reach["never_2xx"] and 404 in reach["statuses"]["GET /calls/{id}"]
    assert result.returncode == 1
    assert f"only {reach['percent']:g}% of operations answered a 2xx (--min-reach 100%)" in result.stdout
    assert "follows every checked convention" not in result.stdout
    assert "Never reached" in (tmp_path / "low" / "report.html").read_text()
    assert enough.returncode == 1  # reach met; the 404 to reading an existing call is a finding of its own


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    where = tmp_path_factory.mktemp("shards")
    for shard in ("1/2", "2/2"):
        args = ("run", "--shard", shard, "--seed", "3", "--max-examples", "1", "--include", "tags|flows|calls")
        assert cli(*args, "--report-dir", f"s{shard[0]}", cwd=where).returncode == 0
    assert cli("run", "--seed", "9", "--max-examples", "1", "--include", "tags", "--report-dir", "whole", cwd=where)
    return where


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        (["s1/results.json"], "shard(s) 2/2 missing"),
        (["s1/results.json", "s1/results.json"], "given twice"),
        (["s1/results.json", "whole/results.json"], "another run"),
    ],
)
def test_a_merge_that_would_not_cover_the_spec_once_is_refused(shards, files, fragment):
    assert_one_line_error(cli("merge", *files, "--report-dir", "m", cwd=shards), fragment)


def test_allow_partial_merges_and_says_what_is_missing(shards):
    result = cli("merge", "s1/results.json", "--allow-partial", "--report-dir", "part", cwd=shards)
    assert result.returncode == 2 and "missing" in result.stdout
    summary = json.loads((shards / "part" / "results.json").read_text())["summary"]
    assert summary["complete"] is False and summary["missing_shards"] == [2]
    assert "missing from the merge" in (shards / "part" / "report.html").read_text()


def test_a_full_merge_is_complete(shards):
    assert cli("merge", "s1/results.json", "s2/results.json", "--report-dir", "all", cwd=shards).returncode == 0
    summary = json.loads((shards / "all" / "results.json").read_text())["summary"]
    assert summary["complete"] is True and summary["reach"]["operations"] == summary["operations_tested"]


def _results(*, findings: int = 0, complete: bool = True, errors: int = 0, reach: float = 100.0, **more) -> dict:
    summary = {
        "complete": complete,
        "errors": [{"test": "t", "error": "e"}] * errors,
        "reach": {"percent": reach, "operations": 10, "reached_2xx": int(reach / 10), "never_2xx": []},
        "writes_allowed": True,
        "target": "https://staging.invalid/v1.0",
        "profile": "voipbin-2026-01",
        "seed": 1,
        "operations_tested": 10,
        "cases": 100,
        "checks": {},
        "tests": {"done": 10 if complete else 4, "total": 10},
    }
    found = [{"check": "json_response", "operation": "GET /x", "message": "m", "repro": "curl"}] * findings
    return {"findings": found, "summary": summary | more}


_GONE = _results(findings=2, target_gone="the target stopped answering after 9 requests")


@pytest.mark.parametrize(
    ("results", "session_ok", "baseline_worse", "min_reach", "expected", "outcome"),
    [
        (_results(), True, None, None, 0, "passed"),
        (_results(findings=2), True, None, None, 1, "failed"),
        (_results(errors=1), True, None, None, 3, "error"),  # the suite itself failed: a crash, never 1
        (_results(errors=1, findings=2), True, None, None, 3, "error"),
        (_results(findings=2, complete=False, interrupted=True), True, None, None, 2, "incomplete"),  # a signal
        (_results(interrupted=True, signal="SIGTERM"), True, None, None, 2, "incomplete"),  # after the last test
        (_results(checks={"pagination": {"passed": 0, "failed": 0}}), True, None, None, 2, "incomplete"),  # nothing
        (_results(findings=2, complete=False), True, None, None, 1, "incomplete"),
        (_results(complete=False), True, None, None, 2, "incomplete"),
        (_results(findings=2), True, False, None, 0, "passed"),  # only what the baseline knew
        (_results(findings=2), True, True, None, 1, "failed"),
        (_results(findings=2, complete=False), True, False, None, 2, "incomplete"),  # known findings, not finished
        (_results(findings=2, reach=40.0), True, False, 90.0, 1, "failed"),  # a baseline does not mask --min-reach
        (_results(reach=40.0), True, None, 90.0, 1, "failed"),
        (_GONE, True, None, None, 2, "incomplete"),
        (_results(), False, None, None, 2, "error"),  # pytest's own usage or internal error
        (None, True, None, None, 2, "error"),  # the session never wrote results
    ],
)
def test_one_verdict_decides_the_exit_code_and_every_output_says_it(
    results, session_ok, baseline_worse, min_reach, expected, outcome
):
    from conformance.engine.session import exit_code
    from conformance.reporting import ci_summary, console, html
    from conformance.results.verdict import decide

    verdict = decide(results, min_reach=min_reach, session_ok=session_ok, baseline_worse=baseline_worse)
    assert (verdict.exit_code, verdict.outcome) == (expected, outcome)
    if results is None:
        assert exit_code(0, None) == 2
        return
    results["summary"]["verdict"] = verdict.as_dict()
    assert exit_code(0 if session_ok else 4, results) == expected
    outputs = {
        "console": console.verdict(results),
        "report.html": html.banner_html(results),
        "summary.md": ci_summary.markdown(results, "reports"),
    }
    for name, text in outputs.items():
        assert verdict.headline in text, name
        if expected != 0:  # nothing that failed, erred or did not finish is called passed anywhere
            assert "Passed" not in text, name
