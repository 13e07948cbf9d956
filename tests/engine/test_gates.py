"""Gates that cannot lie: nothing tested is no pass, an early end is incomplete, reach is reported, and
merges cover every shard exactly once."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.profiles import load_profile
from conformance.spec import load_spec
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


def test_reach_is_reported_and_min_reach_fails_a_run_below_it(tmp_path, bundled):
    common = ("run", "--seed", "2", "--max-examples", "1", "--include", "calls", "--report-dir")
    # Read-only (the mock as a --base-url target), a run reaches the reads alone.
    spec = load_spec(str(bundled))
    mock = MockApp(spec, profile=load_profile("voipbin-2026-01"), seed=2)
    server = serve_in_thread(mock, "127.0.0.1", 0)
    try:
        target = ("--base-url", f"http://127.0.0.1:{server.port}{spec.base_path}", "--token", mock.customers[0].token)
        result = cli(*common, "low", "--min-reach", "100", *target, cwd=tmp_path)
    finally:
        server.shutdown()
    reach = json.loads((tmp_path / "low" / "results.json").read_text())["summary"]["reach"]
    assert reach["operations"] > reach["reached_2xx"] > 0
    assert "POST /calls/{id}/hangup" in reach["never_2xx"]  # a write not allowed: only inert probes, 4xx
    assert all(400 <= status < 500 for status in reach["statuses"]["POST /calls/{id}/hangup"])
    assert result.returncode == 1 and "FAILED --min-reach" in result.stdout
    assert "follows every checked convention" not in result.stdout
    assert "Never reached" in (tmp_path / "low" / "report.html").read_text()
    assert cli(*common, "ok", "--min-reach", "50", cwd=tmp_path).returncode == 0


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


def _results(*, findings: int = 0, complete: bool = True, errors: int = 0, reach: float = 100.0) -> dict:
    summary = {"complete": complete, "errors": [{}] * errors, "reach": {"percent": reach}}
    return {"findings": [{}] * findings, "summary": summary}


@pytest.mark.parametrize(
    ("results", "pytest_code", "baseline_worse", "min_reach", "expected"),
    [
        (_results(), 0, None, None, 0),
        (_results(findings=2), 1, None, None, 1),
        (_results(errors=1), 1, None, None, 2),  # the suite failed, nothing found: no verdict
        (_results(findings=2, complete=False), 2, None, None, 1),
        (_results(complete=False), 2, None, None, 2),
        (_results(findings=2), 1, False, None, 0),  # only what the baseline knew
        (_results(findings=2), 1, True, None, 1),
        (_results(findings=2, complete=False), 2, False, None, 2),  # known findings, run not finished: no pass
        (_results(findings=2, reach=40.0), 1, False, 90.0, 1),  # a baseline does not mask --min-reach
        (_results(reach=40.0), 0, None, 90.0, 1),
        (None, 1, None, None, 2),  # the session never wrote results
    ],
)
def test_the_exit_code_is_decided_in_one_place(results, pytest_code, baseline_worse, min_reach, expected):
    from conformance.config import Config
    from conformance.engine._run import exit_code

    assert exit_code(Config(min_reach=min_reach), pytest_code, results, baseline_worse) == expected
