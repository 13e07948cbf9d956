"""The run for a CI page: `summary.md` beside the reports, appended to `$GITHUB_STEP_SUMMARY` when it is set, and
`::error` annotations for critical problems under GitHub Actions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO

from conformance.engine._verdict import Verdict
from conformance.reporting._text import printable

_ROWS = 30


def _cell(text: Any) -> str:
    return printable(str(text)).replace("|", "\\|").replace("\n", " ")


def markdown(results: dict[str, Any], report_dir: str) -> str:
    summary, problems = results["summary"], results.get("problems") or []
    verdict = Verdict.of(results)
    reach = summary.get("reach") or {}
    insecure = summary.get("tls_verified") is False
    lines = [
        "## VoIPBIN conformance",
        "",
        f"**{_cell(verdict.headline)}**",
        "",
        *(["**TLS NOT VERIFIED (--insecure)**: the target's certificate was never checked.", ""] if insecure else []),
        *[f"- {_cell(reason)}" for reason in verdict.reasons],
        *([""] if verdict.reasons else []),
        f"Target `{_cell(summary['target'])}`, profile `{_cell(summary['profile'])}`, seed {_cell(summary['seed'])}: "
        f"{_cell(summary['operations_tested'])} operations, {_cell(summary['cases'])} requests, "
        f"{len(results['findings'])} findings; {_cell(reach.get('reached_2xx', '?'))} of "
        f"{_cell(reach.get('operations', '?'))} operations answered a 2xx.",
        "",
    ]
    if problems:
        lines += ["| # | severity | problem | check | operations |", "| --- | --- | --- | --- | --- |"]
        for n, p in enumerate(problems[:_ROWS], 1):
            lines.append(
                f"| {n} | {_cell(p['severity'])} | {_cell(p['title'])} | `{_cell(p['check'])}` | "
                f"{_cell(p['operations_affected'])} of {_cell(p['operations_tested'])} |"
            )
        if len(problems) > _ROWS:
            lines.append(f"\n… and {len(problems) - _ROWS} more in report.html.")
        lines.append("")
    directory = Path(report_dir)
    lines.append(
        f"Reports: `{directory / 'report.html'}` (open this first), `{directory / 'results.json'}`, "
        f"`{directory / 'junit.xml'}`."
    )
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], report_dir: str, annotations: TextIO | None = None) -> Path:
    """summary.md beside the reports; under GitHub Actions also the job summary and ::error annotations — but not
    for one shard of a run (`summary.shard`): the merge publishes them once, for the whole run."""
    text = markdown(results, report_dir)
    path = Path(report_dir) / "summary.md"
    path.write_text(text, encoding="utf-8")
    if results["summary"].get("shard"):
        return path
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError:
            pass  # a CI page is a convenience: the reports stand without it
    if annotations is not None and os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in results.get("problems") or []:
            if problem["severity"] == "critical":
                title = _cell(problem["title"]).replace("::", ": :")
                annotations.write(
                    f"::error title=VoIPBIN conformance ({_cell(problem['check'])})::{title} — "
                    f"{problem['operations_affected']} of {problem['operations_tested']} operations\n"
                )
    return path
