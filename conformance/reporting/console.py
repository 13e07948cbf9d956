"""The end-of-run summary on the terminal: findings by check, report paths."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TextIO

from conformance.reporting._text import printable


def print_summary(report_dir: str, stream: TextIO) -> None:
    _print_summary(report_dir, _Printable(stream))


class _Printable:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.write(printable(text))


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
    tests = summary.get("tests") or {}
    if summary.get("stopped") or summary.get("interrupted"):
        why = summary.get("stopped") or "interrupted"
        out.write(f"  stopped early ({why}) after {tests.get('done', '?')} of {tests.get('total', '?')} tests\n")
    for error in summary.get("errors", []):
        out.write(f"  suite error in {error['test']}: {error['error']}\n")
    total = len(results["findings"])
    out.write(f"{total} finding(s)." if total else "No findings: the target follows every checked convention.")
    out.write(f"\nReports: {Path(report_dir) / 'report.html'}, {Path(report_dir) / 'junit.xml'}, {path}\n")
