"""Every results file `diff`, `merge` and `run --baseline` read is validated against results.schema.json first: a
malformed or hostile file is one line and exit 2 naming the file and what is wrong, never a traceback, and what a
file may make us do (memory, nesting, shard counts) is bounded."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import jsonschema
import pytest

from conformance.cli import main
from conformance.data import schemas_dir
from conformance.errors import SetupError
from conformance.reporting import merge
from conformance.reporting.regression import load_results
from tests.engine.test_cli import assert_one_line_error, cli

FAULTS = ("--mock-fault", "token_loops", "--mock-fault", "lost_create", "--mock-fault", "error_without_message")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Real results files: a shard (1/1, so merge goes all the way) with findings, steps and a replay script; a
    run stopped by --max-failures; and their merge."""
    where = tmp_path_factory.mktemp("results-files")
    common = ("run", "--seed", "4", "--max-examples", "1", "--include", "tags|flows", *FAULTS)
    assert cli(*common, "--shard", "1/1", "--report-dir", "shard", cwd=where).returncode == 1
    assert cli(*common, "--max-failures", "1", "--report-dir", "stopped", cwd=where).returncode == 1
    assert cli("merge", "shard/results.json", "--report-dir", "merged", cwd=where).returncode == 1
    return where


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads((schemas_dir() / "results.schema.json").read_text()))


@pytest.mark.parametrize("name", ["shard", "stopped", "merged"])
def test_what_the_code_writes_is_a_valid_results_file(runs, name):
    path = runs / name / "results.json"
    data = load_results(str(path))
    jsonschema.validate(data, json.loads((schemas_dir() / "results.schema.json").read_text()))
    if name == "shard":  # the parts of a finding the schema now holds to a type are there to be checked
        assert any(f["steps"] and f["replay"] for f in data["findings"])
        assert all(isinstance(f["response"].get("status"), int) for f in data["findings"] if f["response"])
    if name == "stopped":
        assert data["summary"]["complete"] is False and data["summary"]["stopped"]


def _edit(change):
    def apply(results: dict) -> bytes:
        change(results)
        return json.dumps(results).encode()

    return apply


def _raw(content: bytes):
    return lambda results: content


def _nested(depth: int):
    def apply(results: dict) -> bytes:
        text = json.dumps(results)
        return text[:-1].encode() + b', "extra": ' + b"[" * depth + b"]" * depth + b"}"

    return apply


CASES = {
    "no summary": (_edit(lambda r: r.pop("summary")), "'summary' is missing"),
    "no findings": (_edit(lambda r: r.pop("findings")), "'findings' is missing"),
    "another format": (_edit(lambda r: r.update(format="x/1")), 'format: expected "voipbin-conformance/results/1"'),
    "summary a string": (_edit(lambda r: r.update(summary="x")), "summary: expected an object, got a string"),
    "operations a string": (
        _edit(lambda r: r["summary"].update(operations="GET /x")),
        "summary.operations: expected an array, got a string",
    ),
    "operations numbers": (
        _edit(lambda r: r["summary"].update(operations=[1, 2])),
        "summary.operations[0]: expected a string, got an integer",
    ),
    "checks a list": (_edit(lambda r: r["summary"].update(checks=[])), "summary.checks: expected an object"),
    "a check an integer": (
        _edit(lambda r: r["summary"]["checks"].update(json_response=3)),
        "summary.checks.json_response: expected an object, got an integer",
    ),
    "seed a string": (_edit(lambda r: r["summary"].update(seed="<b>")), "summary.seed: expected an integer"),
    "negative cases": (_edit(lambda r: r["summary"].update(cases=-1)), "summary.cases: expected at least 0, got -1"),
    "errors an integer": (_edit(lambda r: r["summary"].update(errors=3)), "summary.errors: expected an array"),
    "absurd shard": (
        _edit(lambda r: r["summary"].update(shard="1/100000000")),
        "summary.shard: expected I/N, N at most 1000",
    ),
    "null findings": (_edit(lambda r: r.update(findings=None)), "findings: expected an array, got null"),
    "a null finding": (_edit(lambda r: r["findings"].__setitem__(0, None)), "findings[0]: expected an object"),
    "no fingerprint": (_edit(lambda r: r["findings"][0].pop("fingerprint")), "findings[0]: 'fingerprint' is missing"),
    "status a string": (
        _edit(lambda r: r["findings"][0].update(status="500")),
        "findings[0].status: expected an integer or null, got a string",
    ),
    "response a string": (
        _edit(lambda r: r["findings"][0].update(response="x")),
        "findings[0].response: expected an object or null, got a string",
    ),
    "steps of strings": (
        _edit(lambda r: r["findings"][0].update(steps=["x"])),
        "findings[0].steps[0]: expected an object, got a string",
    ),
    "problems a string": (_edit(lambda r: r.update(problems="x")), "problems: expected an array, got a string"),
    "problem without operations": (
        _edit(lambda r: r["problems"][0].pop("operations")),
        "problems[0]: 'operations' is missing",
    ),
    "a hostile key": (
        _edit(lambda r: r["summary"]["checks"].update({"\x1b]0;owned\x07\u202e": 3})),
        'summary.checks["\\u001b]0;owned\\u0007\\u202e"]: expected an object',
    ),
    "NaN": (_edit(lambda r: r["summary"].update(duration_s=float("nan"))), "not JSON (NaN is not a JSON number)"),
    "an integer of 5000 digits": (_raw(b'{"format": ' + b"9" * 5000 + b"}"), "not JSON"),
    "empty": (_raw(b""), "not JSON"),
    "a JSON array": (_raw(b"[]"), "expected an object, got an array"),
    "not UTF-8": (_raw(b'{"format": "\xff"}'), "not UTF-8 (byte 0xff at offset 12)"),
    "nested 100,000 deep": (_nested(100_000), "nested deeper than 16 levels"),
    "nested 500 deep": (_nested(500), "nested deeper than 16 levels"),
}


@pytest.fixture(scope="module")
def bad_files(runs, tmp_path_factory):
    where = tmp_path_factory.mktemp("bad")
    for name, (make, _) in CASES.items():
        results = json.loads((runs / "shard" / "results.json").read_text())
        (where / f"{name}.json").write_bytes(make(results))
    with open(where / "200 MB.json", "wb") as handle:  # sparse: costs no disk, and must cost no memory either
        handle.write(b'{"format": "voipbin-conformance/results/1", "summary": "')
        handle.truncate(200 * 1024 * 1024)
    return where


@pytest.mark.parametrize("command", ["diff", "merge"])
@pytest.mark.parametrize(
    ("name", "fragment"), [(n, f) for n, (_, f) in CASES.items()] + [("200 MB", "larger than 64 MiB")]
)
def test_a_malformed_results_file_is_one_line_and_exit_2(runs, bad_files, command, name, fragment, capsys, tmp_path):
    path = str(bad_files / f"{name}.json")
    good = str(runs / "shard" / "results.json")
    argv = ["diff", good, path] if command == "diff" else ["merge", path]
    assert main([*argv, "--report-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{path} is not a results file: {fragment}" in err
    assert "\x1b" not in err and "\u202e" not in err
    assert not (tmp_path / "out").exists()  # nothing written from a file that is not a results file


def test_a_bad_baseline_is_refused_before_the_run(runs, bad_files):
    result = cli("run", "--baseline", str(bad_files / "no fingerprint.json"), cwd=runs)
    assert_one_line_error(result, "is not a results file: findings[0]: 'fingerprint' is missing")


def _one_gib() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_an_absurd_shard_count_cannot_exhaust_memory(bad_files, tmp_path):
    """`"shard": "1/100000000"` once made merge list 10^8 missing shards (2.8 GB, MemoryError). Under a 1 GiB
    address-space limit, it is one line and exit 2."""
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "merge", str(bad_files / "absurd shard.json"), "--allow-partial"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=_one_gib,
        timeout=120,
    )
    assert_one_line_error(result, "summary.shard: expected I/N, N at most 1000")


def _part(shard: str) -> dict:
    return {"summary": {"shard": shard}}


@pytest.mark.parametrize("shard", ["1/1001", "1/10000", "0/4", "5/4", "1/4/2", "one/two"])
def test_merge_itself_holds_shards_to_the_bound(shard):
    """Whatever reaches merge (a results file is validated first; a caller in code is not): N is at most 1000."""
    with pytest.raises(SetupError, match=r"a shard is I/N|is not the results of a shard"):
        merge.check_shards([("a.json", _part(shard))], allow_partial=True)


def test_missing_shards_are_named_in_one_short_line():
    with pytest.raises(SetupError) as caught:
        merge.check_shards([("a.json", _part("1/1000"))], allow_partial=False)
    assert "shard(s) 2/1000, 3/1000" in str(caught.value) and "and 989 more missing" in str(caught.value)
    assert len(str(caught.value)) < 400
    assert len(merge.check_shards([("a.json", _part("1/1000"))], allow_partial=True)) == 999


def test_the_fast_verdict_and_the_worded_one_agree(runs, bad_files):
    """jsonschema-rs decides valid or not (fast), jsonschema words the error: they must judge every file alike."""
    from conformance.reporting import results_file

    fast, slow = results_file._fast_validator(), results_file._validator()
    assert fast is not None
    judged = 0
    for path in [*bad_files.glob("*.json"), *runs.glob("*/results.json")]:
        try:
            data = results_file._parse(results_file._read(str(path)), str(path))
        except SetupError:
            continue  # refused before any schema: not JSON, not UTF-8, too large
        if results_file._deeper_than(data, results_file.MAX_DEPTH):
            continue
        assert fast.is_valid(data) == slow.is_valid(data), path.name
        judged += 1
    assert judged >= 24
