"""`lint`: the spec judged with no target, in the reports a run writes (results.json, junit.xml, report.html,
summary.md) and in SARIF for code scanning; the same verdict and exit codes (1 = defects), so `diff` compares two
revisions of a spec as it compares two runs."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from conformance.config import Config, ensure_report_dir
from conformance.errors import SetupError
from conformance.lint import RULES, SEVERITIES, Lint, catalogue, lint
from conformance.lint.sarif import sarif
from conformance.profiles import load_profile
from conformance.reporting import merge
from conformance.reporting.out import Out, oneline
from conformance.reporting.results import FORMAT
from conformance.results.problems import group
from conformance.results.verdict import decide

TARGET = "none (lint: the spec itself)"
_SHOWN = 40  # findings printed on the console; the reports hold them all


def results(found: Lint) -> dict[str, Any]:
    """A lint as results.json: findings shaped as a run's (check = rule id, status none, repro = file:line)."""
    findings = [dict(f) for f in found.findings]
    problems = group(findings, len(found.operations))
    for problem in problems:  # the registry of checks knows no lint rule: the rule's own words
        rule = RULES[problem["check"]]
        problem["severity"], problem["doc"] = rule.severity, rule.doc
        keys = sorted({str(f["key"]) for f in findings if f.get("problem") == problem["id"]})
        problem["title"] = f"{rule.problem} ({', '.join(keys)})" if keys else rule.problem
    problems.sort(key=lambda p: (SEVERITIES.index(p["severity"]), -len(p["operations"]), -p["findings"], p["id"]))
    summary = {
        "mode": "lint",
        "operations_tested": len(found.operations),
        "operations": sorted(found.operations),
        "cases": 0,
        "checks": {rule: {"passed": p, "failed": f} for rule, (p, f) in found.tallies.items()},
        "profile": found.profile.id,
        "seed": 0,
        "target": TARGET,
        "spec": found.spec,
        "started": datetime.fromtimestamp(found.started, UTC).isoformat(timespec="seconds"),
        "duration_s": found.duration_s,
        "writes_allowed": True,  # nothing is sent: nothing was held back
        "interrupted": False,
        "complete": True,
        "tests": {"done": len(found.tallies), "total": len(found.tallies)},
        "profile_decisions": found.profile.decisions,
        "findings": len(findings),
        "problems": len(problems),
        "errors": [],
        "notes": {},
    }
    data: dict[str, Any] = {"format": FORMAT, "summary": summary, "catalogue": catalogue()}
    data |= {"problems": problems, "findings": findings}
    verdict = decide(data).as_dict()
    if verdict["outcome"] == "passed":  # decide() speaks of a target; here the spec was judged
        verdict["headline"] = f"Passed: the spec follows every convention of {found.profile.id} that lint checks"
    data["summary"]["verdict"] = verdict
    return data


def write(data: dict[str, Any], found: Lint, report_dir: str, sarif_file: str | None, out: Out) -> Path:
    """The usual reports in `report_dir`, and SARIF (`sarif_file`, else results.sarif beside them)."""
    directory = merge.write(data, report_dir, out.redactor)
    target = Path(sarif_file) if sarif_file else directory / "results.sarif"
    text = json.dumps(sarif(out.data(data), found.root.parent), indent=2)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out.file(target, text + "\n")
    except OSError as exc:
        raise SetupError(f"--sarif {target} cannot be written: {exc.strerror or exc}", "choose another file") from None
    return target


def console(data: dict[str, Any], stream: TextIO, out: Out) -> None:
    """Each finding as `file:line: [rule] message`, the first ones; then the verdict."""
    findings = data["findings"]
    for finding in findings[:_SHOWN]:
        out.line(oneline(f"{finding['repro']}: [{finding['check']}] {finding['message']}", 400), stream)
    if len(findings) > _SHOWN:
        out.line(f"… and {len(findings) - _SHOWN} more in results.json and the SARIF file", stream)
    summary = data["summary"]
    out.line(
        f"Linted {summary['spec']} against {summary['profile']}: {summary['operations_tested']} operations, "
        f"{len(findings)} finding(s), {summary['problems']} problem(s) in {summary['duration_s']:g}s.",
        stream,
    )
    out.line(summary["verdict"]["headline"] + ".", stream)


def run_lint(config: Config, spec: str, sarif_file: str | None, stream: TextIO | None = None) -> int:
    """`voipbin-conformance lint`: lint, write every report, print, and exit as the verdict says."""
    out = Out()
    ensure_report_dir(config.report_dir)
    found = lint(spec, load_profile(config.profile))
    data = results(found)
    where = write(data, found, config.report_dir, sarif_file, out)
    console(data, stream or sys.stdout, out)
    out.line(f"Reports in {config.report_dir}/, SARIF in {where}", stream or sys.stdout)
    return int(data["summary"]["verdict"]["exit_code"])
