"""Baselines, diffs, shards and merges, as CI uses them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import real_spec
from tests.engine.test_cli import assert_one_line_error, cli


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A baseline of the conformant mock and a run of a faulted one, same seed."""
    where = tmp_path_factory.mktemp("runs")
    common = ("run", "--seed", "4", "--max-examples", "1", "--include", "tags|flows")
    assert cli(*common, "--report-dir", "clean", cwd=where).returncode == 0
    assert cli(*common, "--mock-fault", "error_without_message", "--report-dir", "broken", cwd=where).returncode == 1
    return where


def test_diff_names_exactly_the_faults_check_as_new(runs):
    result = cli("diff", "clean/results.json", "broken/results.json", "--report-dir", "diff", cwd=runs)
    assert result.returncode == 1, result.stderr
    regression = json.loads((runs / "diff" / "regression.json").read_text())
    # error_envelope's, and the unknown route's and an unserved method's bodies outside the same envelope (its
    # consequences)
    assert {f["check"] for f in regression["new"]} == {"error_envelope", "unknown_route_envelope", "unserved_method"}
    assert {p["check"] for p in regression["problems"]["new"]} == {"error_envelope"}
    assert regression["fixed"] == [] and regression["persisting"] == []
    assert (runs / "diff" / "regression.html").stat().st_size > 0
    back = cli("diff", "broken/results.json", "clean/results.json", "--report-dir", "back", cwd=runs)
    assert back.returncode == 0 and "0 new" in back.stdout
    assert len(json.loads((runs / "back" / "regression.json").read_text())["fixed"]) == len(regression["new"])


def test_a_run_diffed_with_itself_has_nothing_new(runs):
    result = cli("diff", "broken/results.json", "broken/results.json", "--report-dir", "same", cwd=runs)
    assert result.returncode == 0 and "0 new, 0 fixed" in result.stdout


def test_baseline_known_findings_do_not_fail_the_run(runs):
    common = (
        "run",
        "--seed",
        "4",
        "--max-examples",
        "1",
        "--include",
        "tags|flows",
        "--mock-fault",
        "error_without_message",
    )
    assert cli(*common, "--baseline", "broken/results.json", "--report-dir", "again", cwd=runs).returncode == 0
    assert 'href="regression.html"' in (runs / "again" / "report.html").read_text()
    worse = cli(
        *common, "--mock-fault", "result_null", "--baseline", "broken/results.json", "--report-dir", "worse", cwd=runs
    )
    assert worse.returncode == 1
    update = cli(
        "run",
        "--seed",
        "4",
        "--max-examples",
        "1",
        "--include",
        "tags",
        "--baseline",
        "base/b.json",
        "--update-baseline",
        "--report-dir",
        "upd",
        cwd=runs,
    )
    assert update.returncode == 0 and (runs / "base" / "b.json").is_file()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["diff", "nope.json", "clean/results.json"], "results file not found"),
        (["diff", "clean/junit.xml", "clean/results.json"], "is not a results file"),
        (["run", "--baseline", "nope.json"], "results file not found"),
        (["run", "--shard", "3/2"], "--shard expects I/N"),
        (["merge", "clean/report.html"], "is not a results file"),
    ],
)
def test_bad_comparison_input_is_exit_2(runs, args, fragment):
    assert_one_line_error(cli(*args, cwd=runs), fragment)


def test_different_specs_need_force(runs, bundled, tmp_path):
    other = json.loads((runs / "clean" / "results.json").read_text())
    other["summary"]["spec"] = "another.yaml"
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert_one_line_error(cli("diff", str(runs / "clean/results.json"), "other.json", cwd=tmp_path), "--force")
    assert cli("diff", str(runs / "clean/results.json"), "other.json", "--force", cwd=tmp_path).returncode == 0


@pytest.mark.realspec
def test_two_shards_of_the_real_source_cover_it_once_and_merge(tmp_path):
    spec = str(real_spec("2026-01-15"))
    for shard in ("1/2", "2/2"):
        result = cli(
            "run",
            "--spec",
            spec,
            "--shard",
            shard,
            "--seed",
            "2",
            "--max-examples",
            "1",
            "--report-dir",
            f"s{shard[0]}",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    first, second = (
        set(json.loads((tmp_path / f"s{n}" / "results.json").read_text())["summary"]["operations"]) for n in (1, 2)
    )
    assert first and second and not first & second
    merged = cli("merge", "s1/results.json", "s2/results.json", "--report-dir", "all", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    summary = json.loads((tmp_path / "all" / "results.json").read_text())["summary"]
    assert summary["operations_tested"] == 266
    assert (tmp_path / "all" / "junit.xml").read_text().count("<testcase") == 266 + 1  # and the verdict
    assert "VoIPBIN conformance report" in (tmp_path / "all" / "report.html").read_text()


def test_a_narrower_run_leaves_findings_not_retested_never_fixed(runs):
    narrow = cli(
        "run",
        "--seed",
        "4",
        "--max-examples",
        "1",
        "--include",
        "^GET /tags$",
        "--mock-fault",
        "error_without_message",
        "--report-dir",
        "narrow",
        cwd=runs,
    )
    assert narrow.returncode == 1, narrow.stderr
    result = cli("diff", "broken/results.json", "narrow/results.json", "--report-dir", "narrowdiff", cwd=runs)
    regression = json.loads((runs / "narrowdiff" / "regression.json").read_text())
    assert regression["fixed"] == []
    assert regression["not_retested"]
    assert {f["operation"] for f in regression["not_retested"]}.isdisjoint({"GET /tags"})
    assert f"0 fixed, {len(regression['persisting'])} persisting" in result.stdout
    assert "not retested" in (runs / "narrowdiff" / "regression.html").read_text()


def test_a_hand_edited_results_file_cannot_inject_markup_or_terminal_codes(runs, tmp_path):
    edited = json.loads((runs / "broken" / "results.json").read_text())
    script = "<script>alert(1)</script>"
    edited["summary"]["seed"] = script
    edited["summary"]["checks"]["error_envelope"]["passed"] = script
    edited["findings"][0]["occurrences"] = script
    edited["findings"][0]["message"] = "\x1b[2J\x1b]0;owned\x07 cleared"
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    baseline = str(runs / "clean" / "results.json")
    result = cli("diff", baseline, "edited.json", "--report-dir", "d", cwd=tmp_path)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    merged = cli("merge", "edited.json", "--report-dir", "m", "--force", cwd=tmp_path)
    assert "Traceback" not in merged.stderr
    for page in (tmp_path / "d" / "regression.html", tmp_path / "m" / "report.html"):
        if page.exists():
            assert script not in page.read_text(), page
