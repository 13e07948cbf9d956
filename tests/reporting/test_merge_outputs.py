"""What `merge` writes says what the merged verdict says, whatever order the shards come in, and is always a file
its readers accept: junit.xml carries the verdict and is well-formed XML, results.json is JSON that reads back."""

from __future__ import annotations

import json
import math
from xml.etree import ElementTree

import pytest

from conformance.cli import main
from conformance.errors import SetupError
from conformance.reporting import merge, regression_report
from conformance.reporting.results import write_results
from tests.engine.test_cli import cli

COMMON = ("run", "--seed", "4", "--max-examples", "1", "--include", "tags")


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """Two clean shards of one run (one of them reaches every operation it tests, the other does not), and the
    second shard again against a faulted mock (findings)."""
    where = tmp_path_factory.mktemp("shards")
    assert cli(*COMMON, "--shard", "1/2", "--report-dir", "s1", cwd=where).returncode == 0
    assert cli(*COMMON, "--shard", "2/2", "--report-dir", "s2", cwd=where).returncode == 0
    faulted = cli(*COMMON, "--shard", "2/2", "--mock-fault", "error_without_message", "--report-dir", "f2", cwd=where)
    assert faulted.returncode == 1
    return where


def _edit(shards, name: str, change, to: str) -> str:
    data = json.loads((shards / name / "results.json").read_text())
    change(data)
    path = shards / f"{to}.json"
    path.write_text(json.dumps(data))
    return str(path)


def _merge(*paths: str, report_dir, extra=()) -> tuple[int, dict, ElementTree.Element]:
    code = main(["merge", *paths, "--report-dir", str(report_dir), *extra])
    results = json.loads((report_dir / "results.json").read_text())
    return code, results, ElementTree.parse(report_dir / "junit.xml").getroot()


def _properties(suite: ElementTree.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in suite.iter("property")}


def _failures(suite: ElementTree.Element) -> int:
    return len(list(suite.iter("failure"))) + len(list(suite.iter("error")))


def test_the_strictest_min_reach_of_the_shards_decides_in_either_order(shards, tmp_path):
    """Before: min_reach came from the first file only: exit 0 one way, 1 the other."""
    strict = _edit(shards, "s2", lambda d: d["summary"].update(min_reach=100.0), "s2-strict")
    lenient = _edit(shards, "s1", lambda d: d["summary"].update(min_reach=10.0), "s1-lenient")
    one = _merge(lenient, strict, report_dir=tmp_path / "one")
    other = _merge(strict, lenient, report_dir=tmp_path / "other")
    assert one[0] == other[0] == 1
    assert one[1]["summary"]["verdict"] == other[1]["summary"]["verdict"]
    assert "--min-reach 100%" in one[1]["summary"]["verdict"]["headline"]
    assert one[1]["summary"]["min_reach"] == 100.0


@pytest.mark.parametrize("case", ["passed", "short of reach", "findings", "missing shard"])
def test_the_merged_junit_says_what_the_merged_verdict_says(shards, tmp_path, case):
    """Before: no verdict or exit_code property, and failures="0" for a merge that failed on reach (exit 1) or
    missed a shard (--allow-partial, exit 2)."""
    s1, s2 = str(shards / "s1" / "results.json"), str(shards / "s2" / "results.json")
    argv = {
        "passed": ([s1, s2], ()),
        "short of reach": ([s1, _edit(shards, "s2", lambda d: d["summary"].update(min_reach=100.0), "s2-100")], ()),
        "findings": ([s1, str(shards / "f2" / "results.json")], ()),
        "missing shard": ([s1], ("--allow-partial",)),
    }[case]
    code, results, root = _merge(*argv[0], report_dir=tmp_path / "m", extra=argv[1])
    verdict = results["summary"]["verdict"]
    assert code == verdict["exit_code"] == {"passed": 0, "short of reach": 1, "findings": 1, "missing shard": 2}[case]
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    properties = _properties(suite)
    assert properties["verdict"] == verdict["headline"] and properties["exit_code"] == str(code)
    assert properties["outcome"] == verdict["outcome"]
    assert (_failures(suite) > 0) == (code != 0)
    assert int(suite.get("failures")) + int(suite.get("errors", "0")) == _failures(suite)
    if code != 0:
        assert any(verdict["headline"] in (f.get("message") or "") for f in suite.iter("failure"))


def test_the_merged_junit_is_well_formed_whatever_a_target_sent(shards, tmp_path):
    """Before: a Content-Type with control characters went into junit.xml raw: not XML (parse error)."""

    def hostile(data: dict) -> None:
        finding = data["findings"][0]
        finding["message"] = "Content-Type text/html\x01\x08\x1b[31m\x7f\ufffe is not JSON"
        finding["repro"] += " -H 'X: \x00\x0c'"
        finding["check"] = "json_response\x02"
        data["summary"]["target"] += "\x1f"

    f2 = _edit(shards, "f2", hostile, "f2-hostile")
    s1 = _edit(shards, "s1", lambda d: d["summary"].update(target=d["summary"]["target"] + "\x1f"), "s1-same")
    code, _, root = _merge(s1, f2, report_dir=tmp_path / "m")
    assert code == 1
    text = ElementTree.tostring(root, encoding="unicode")
    assert "Content-Type text/html" in text and "is not JSON" in text
    assert not any(c in text for c in "\x00\x01\x02\x08\x0c\x1b\x1f\ufffe")


def test_counts_no_reader_would_accept_are_refused_on_reading(shards, tmp_path, capsys):
    """Before: two shards with "cases": 1e308 passed the schema, and merge wrote "cases": Infinity."""
    one = _edit(shards, "s1", lambda d: d["summary"].update(cases=1e308), "s1-huge")
    two = _edit(shards, "s2", lambda d: d["summary"].update(cases=1e308), "s2-huge")
    assert main(["merge", one, two, "--report-dir", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "summary.cases: expected at most 1000000000000" in err, err
    assert not (tmp_path / "m").exists()


def _merged(shards) -> dict:
    parts = [json.loads((shards / name / "results.json").read_text()) for name in ("s1", "s2")]
    return merge.merge(parts)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**13])
def test_a_merge_that_cannot_be_written_as_a_results_file_is_one_error_and_no_file(shards, tmp_path, value):
    merged = _merged(shards)
    merged["summary"]["cases"] = value
    with pytest.raises(SetupError, match=r"results\.json") as caught:
        merge.write(merged, str(tmp_path / "m"))
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "m" / "results.json").exists() and not (tmp_path / "m" / "junit.xml").exists()


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_a_run_or_a_diff_never_writes_json_it_cannot_read_back(shards, tmp_path, value):
    results = json.loads((shards / "s1" / "results.json").read_text())
    results["summary"]["duration_s"] = value
    with pytest.raises(SetupError, match=r"results\.json cannot be written"):
        write_results(tmp_path / "r" / "results.json", results, lambda text: text)
    assert not (tmp_path / "r" / "results.json").exists()
    regression = {"new": [], "fixed": [], "persisting": [], "not_retested": [], "ratio": value}
    with pytest.raises(SetupError, match=r"regression\.json cannot be written"):
        regression_report.write(regression, str(tmp_path / "d"))
    assert not (tmp_path / "d" / "regression.json").exists()
