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
