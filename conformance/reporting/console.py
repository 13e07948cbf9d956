"""The end-of-run summary on the terminal: findings by check, report paths."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from conformance._redact import Redactor
from conformance.engine._verdict import Verdict
from conformance.reporting._text import Out


def print_summary(report_dir: str, stream: TextIO, *, compared: bool = False, redactor: Redactor | None = None) -> None:
    """The summary of the run whose reports are in `report_dir`; `compared`: it ran against a baseline;
    `redactor`: the run's (by default the credentials of the environment)."""
    out = _Printable(stream, redactor)
    _print_summary(report_dir, out)
    if compared:
        _baseline(Path(report_dir), out)


class _Printable:
    """Every line of the summary leaves through the single exit: redacted, printable, no workflow command."""

    def __init__(self, stream: TextIO, redactor: Redactor | None = None) -> None:
        self._stream, self._out = stream, Out(redactor)

    def write(self, text: str) -> None:
        self._out.write(text, self._stream)


def _print_summary(report_dir: str, out: _Printable) -> None:
    path = Path(report_dir) / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        out.write(f"no results were written to {path}\n")
        return
    summary = results["summary"]
    by_check = Counter(f["check"] for f in results["findings"])
    out.write(
        f"\n{summary['operations_tested']} operations, {summary['cases']} requests, "
        f"{summary['duration_s']:.1f}s, profile {summary['profile']}, seed {summary['seed']}, "
        f"target {summary['target']}\n"
    )
    for check, entry in summary["checks"].items():
        if entry.get("skipped"):
            out.write(f"  {check:<24} skipped: {entry['skipped']}\n")
        elif by_check[check]:
            out.write(f"  {check:<24} {by_check[check]} finding(s)\n")
    if summary.get("tls_verified") is False:
        out.write("  WARNING: TLS NOT VERIFIED (--insecure): the target's certificate was never checked\n")
    tests = summary.get("tests") or {}
    complete = summary.get("complete", True)
    if not complete:
        why = summary.get("stopped") or ("interrupted" if summary.get("interrupted") else "not every test ran")
        out.write(f"  incomplete: {tests.get('done', '?')} of {tests.get('total', '?')} tests ran ({why})\n")
    reach = summary.get("reach")
    if reach and reach.get("operations"):
        held = len(reach.get("not_allowed") or [])
        out.write(
            f"  reach: {reach['reached_2xx']} of {reach['operations']} operations answered a 2xx "
            f"({reach['percent']:g}%)"
            + ("; the others had their success path untested" if reach.get("never_2xx") else "")
            + (f"; {held} writes not sent (read-only)" if held else "")
            + "\n"
        )
    for error in summary.get("errors", []):
        out.write(f"  suite error in {error['test']}: {error['error']}\n")
    _problems(results.get("problems") or [], out)
    out.write(verdict(results) + "\n")
    for reason in Verdict.of(results).reasons:
        out.write(f"  - {reason}\n")
    out.write(f"Reports: {Path(report_dir) / 'report.html'}, {Path(report_dir) / 'junit.xml'}, {path}\n")


def _baseline(report_dir: Path, out: _Printable) -> None:
    try:
        regression = json.loads((report_dir / "regression.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    out.write(
        f"Against the baseline: {len(regression['new'])} new, {len(regression['fixed'])} fixed, "
        f"{len(regression.get('not_retested', []))} not retested, "
        f"{len(regression['persisting'])} known finding(s); see {report_dir / 'regression.html'}\n"
    )


_SCREENFUL = 15


def _problems(problems: list[dict[str, Any]], out: _Printable) -> None:
    """The problems, most severe first, one line each, capped at a screenful."""
    if not problems:
        return
    out.write("Problems, most severe first:\n")
    for problem in problems[:_SCREENFUL]:
        reach = f"{problem['operations_affected']}/{problem['operations_tested']} operations"
        out.write(f"  {problem['severity']:<8} {problem['title'][:90]:<90} {reach}\n")
    if len(problems) > _SCREENFUL:
        out.write(f"  … and {len(problems) - _SCREENFUL} more in report.html\n")


def verdict(results: dict[str, Any]) -> str:
    """The one-sentence verdict, as results.json stores it (engine/_verdict.py decides it for every output)."""
    return Verdict.of(results).headline + "."
