"""The command line as a user meets it: the default run, findings, and one clear line for every bad input."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conformance.data import schemas_dir


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def test_default_run_exits_0_and_writes_three_reports(tmp_path):
    result = cli("run", "--max-examples", "2", "--seed", "1", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = tmp_path / "out"
    for name in ("report.html", "junit.xml", "results.json"):
        assert (out / name).stat().st_size > 0
    results = json.loads((out / "results.json").read_text())
    jsonschema.validate(results, json.loads((schemas_dir() / "results.schema.json").read_text()))
    assert results["findings"] == []
    assert results["summary"]["operations_tested"] == 56
    assert results["summary"]["seed"] == 1
    assert "[90/90]" in result.stderr  # progress: tests done / total
    assert "Passed: " in result.stdout  # what was not judged (reach below 100%) is named under it


def test_a_broken_target_exits_1_and_names_the_check(tmp_path):
    result = cli(
        "run",
        "--max-examples",
        "2",
        "--include",
        "^GET /tags$",
        "--mock-fault",
        "error_without_message",
        "--report-dir",
        "out",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "error_envelope" in result.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {p["check"] for p in results["problems"]} == {
        "error_envelope"
    }  # the unknown route's too, as its consequence


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "--spec", "missing.yaml"], ["spec not found: missing.yaml"]),
        (["run", "--spec", "malformed.yaml"], ["malformed", "line"]),
        (["run", "--spec", "notopenapi.yaml"], ["not an OpenAPI document"]),
        (["run", "--profile", "voipbin-2026-09"], ["unknown profile", "did you mean voipbin-2026-08?"]),
        (["run", "--max-exampels", "3"], ["unrecognized arguments", "did you mean --max-examples?"]),
        (["run", "--report", "vcr"], ["--report is not an option; did you mean --report-dir?"]),  # not a prefix
        (["run", "--max-ex=2"], ["--max-ex is not an option; did you mean --max-examples"]),
        (["run", "--max-examples", "0"], ["--max-examples must be at least 1"]),
        (["run", "--include", "("], ["--include", "not a valid regular expression"]),
        (["run", "--base-url", "ftp://x"], ["not an http(s) URL"]),
        (["run", "--base-url", "http://127.0.0.1:{port}/v1.0"], ["a live target needs credentials"]),
        (["run", "--base-url", "http://127.0.0.1:{port}/v1.0", "--token", "t" * 16], ["unreachable"]),
        (["run", "--mock-fault", "html401"], ["unknown fault", "did you mean html_401?"]),
        (["frobnicate"], ["invalid choice"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, fragments):
    (tmp_path / "malformed.yaml").write_text("openapi: 3.0.0\npaths: {\n  /x: [\n")
    (tmp_path / "notopenapi.yaml").write_text("hello: world\n")
    port = str(_free_port())
    result = cli(*[a.replace("{port}", port) for a in args], cwd=tmp_path)
    assert_one_line_error(result, *fragments)


def test_workers_split_the_run_and_findings_come_back(tmp_path):
    result = cli(
        "run",
        "--workers",
        "2",
        "--max-examples",
        "1",
        "--include",
        "tags",
        "--mock-fault",
        "error_without_message",
        "--report-dir",
        "out",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["operations_tested"] == 5
    assert {p["check"] for p in results["problems"]} == {"error_envelope"}
    junit = (tmp_path / "out" / "junit.xml").read_text()
    assert 'name="profile" value="voipbin-2026-01"' in junit and 'name="seed"' in junit


def test_the_same_seed_sends_the_same_cases(tmp_path):
    def run(directory: str) -> dict:
        result = cli(
            "run",
            "--seed",
            "11",
            "--max-examples",
            "3",
            "--include",
            "^(GET|POST) /flows$",
            "--mock-fault",
            "schema_violations_accepted",
            "--report-dir",
            directory,
            cwd=tmp_path,
        )
        assert result.returncode == 1, result.stderr
        return json.loads((tmp_path / directory / "results.json").read_text())

    first, second = run("a"), run("b")
    assert first["summary"]["cases"] == second["summary"]["cases"]
    assert [(f["fingerprint"], f["repro"]) for f in first["findings"]] == [
        (f["fingerprint"], f["repro"]) for f in second["findings"]
    ]


def test_every_option_of_every_subcommand_has_help():
    import argparse

    from conformance.cli import parser

    top = parser()
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices
    missing = [
        f"{name} {action.option_strings[0]}"
        for name, command in commands.items()
        for action in command._actions
        if action.option_strings and not action.help
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["diff", "a.json", "b.json", "--alow-partial"], "see voipbin-conformance diff --help"),
        (["merge", "a.json", "--alow-partial"], "did you mean --allow-partial?"),
        (["run", "--max-exampels", "2"], "did you mean --max-examples?"),
    ],
)
def test_did_you_mean_suggests_only_options_of_that_subcommand(tmp_path, args, fragment):
    assert_one_line_error(cli(*args, cwd=tmp_path), fragment)


def test_a_standalone_config_file_accepts_the_pyproject_table(tmp_path):
    from conformance import config as config_module

    path = tmp_path / "ci.toml"
    path.write_text('[tool.voipbin-conformance]\nmax-examples = 3\nprofile = "voipbin-2026-08"\n')
    built = config_module.build({}, config_file=str(path), environ={})
    assert (built.max_examples, built.profile) == (3, "voipbin-2026-08")


def test_a_voipbin_variable_nothing_reads_is_named_with_the_one_meant(tmp_path):
    env = {"VOIPBIN_MOCK_FAULT": "html_401", "VOIPBIN_MAX_EXAMPLE": "3"}
    result = cli("run", "--max-examples", "0", cwd=tmp_path, env=env)  # then a bad flag: the run never starts
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 3, result.stderr
    assert "VOIPBIN_MAX_EXAMPLE is set but is not a variable" in lines[0] and "VOIPBIN_MAX_EXAMPLES?" in lines[0]
    assert "VOIPBIN_MOCK_FAULT is set" in lines[1] and "did you mean VOIPBIN_MOCK_FAULTS?" in lines[1]
