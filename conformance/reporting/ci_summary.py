"""The run for a CI page: `summary.md` beside the reports, appended to `$GITHUB_STEP_SUMMARY` when it is set, and
`::error` annotations for critical problems under GitHub Actions.

Everything in it that a target or a results file controls is text: HTML and Markdown escaped, one line, capped.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any, TextIO

from conformance.redact import Redactor
from conformance.reporting.out import Out, oneline, printable
from conformance.results.verdict import NOTHING, Verdict

_ROWS = 30
_CELL = 200  # characters of one field: a 60 KB media type is not a table cell
MAX_BYTES = 512 * 1024  # GitHub refuses a step summary over 1 MiB; ours stays well under, whatever the run held
_MARKUP = re.compile(r"[\\`*_\[\]|~$<>&]")  # what makes emphasis, links, code, tables, math, HTML or entities


def _cell(text: Any, limit: int = _CELL) -> str:
    """A field as Markdown text: printable, one line, capped, and every character Markdown or HTML would read as
    markup backslash-escaped (CommonMark renders `\\<` as `<`, never as the start of a tag)."""
    return _MARKUP.sub(lambda m: "\\" + m.group(), oneline(printable(str(text)), limit))


def _code(text: Any, *, in_table: bool = False) -> str:
    """A field as a code span, where Markdown and HTML are not read: only a backtick could end it early."""
    shown = oneline(printable(str(text)), _CELL).replace("`", "'")
    return f"`{shown.replace('|', chr(92) + '|') if in_table else shown}`"


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
        _scope(summary, reach, len(results["findings"])),
        "",
    ]
    if problems:
        lines += ["| # | severity | problem | check | operations |", "| --- | --- | --- | --- | --- |"]
        for n, p in enumerate(problems[:_ROWS], 1):
            lines.append(
                f"| {n} | {_cell(p['severity'])} | {_cell(p['title'])} | {_code(p['check'], in_table=True)} | "
                f"{_cell(p['operations_affected'])} of {_cell(p['operations_tested'])} |"
            )
        if len(problems) > _ROWS:
            lines.append(f"\n… and {len(problems) - _ROWS} more in report.html.")
        lines.append("")
    found = {f.get("check") for f in results.get("findings") or []}
    unjudged = [
        f"{_code(check)} ({_cell(entry.get('not_judged') or NOTHING)})"
        for check, entry in (summary.get("checks") or {}).items()
        if not (entry.get("skipped") or entry.get("passed") or entry.get("failed") or check in found)
    ]
    if unjudged:
        lines += [f"Not judged (judged nothing): {', '.join(unjudged[:_ROWS])}.", ""]
    directory = Path(report_dir)
    lines.append(
        f"Reports: {_code(directory / 'report.html')} (open this first), {_code(directory / 'results.json')}, "
        f"{_code(directory / 'junit.xml')}."
    )
    return "\n".join(lines) + "\n"


def _scope(summary: dict[str, Any], reach: dict[str, Any], findings: int) -> str:
    if summary.get("mode") == "lint":  # no target, no request: the spec itself
        return f"Spec {_code(summary['spec'])} linted against {_code(summary['profile'])}: " + (
            f"{_cell(summary['operations_tested'])} operations, {findings} findings."
        )
    return (
        f"Target {_code(summary['target'])}, profile {_code(summary['profile'])}, seed {_cell(summary['seed'])}: "
        f"{_cell(summary['operations_tested'])} operations, {_cell(summary['cases'])} requests, "
        f"{findings} findings; {_cell(reach.get('reached_2xx', '?'))} of "
        f"{_cell(reach.get('operations', '?'))} operations answered a 2xx."
    )


def write(
    results: dict[str, Any], report_dir: str, annotations: TextIO | None = None, redactor: Redactor | None = None
) -> Path:
    """summary.md beside the reports; under GitHub Actions also the job summary and the ::error annotations — but
    not for one shard of a run (`summary.shard`): the merge publishes them once, for the whole run. All through
    the single exit (`redactor`: the run's; by default the credentials of the environment)."""
    out = Out(redactor)
    shown = {"summary": out.data(results["summary"]), "problems": out.data(results.get("problems") or [])}
    text = _bounded(markdown({**results, **shown}, report_dir))
    path = out.file(Path(report_dir) / "summary.md", text)
    if results["summary"].get("shard"):
        return path
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with contextlib.suppress(OSError):  # a CI page is a convenience: the reports stand without it
            out.file(step_summary, text, append=True)
    if annotations is not None and os.environ.get("GITHUB_ACTIONS") == "true":
        _annotate(shown["problems"], annotations)
    return path


def _annotate(problems: list[dict[str, Any]], stream: TextIO) -> None:
    """An `::error` workflow command per critical problem, every field escaped as the runner reads it."""
    for problem in problems:
        if problem["severity"] == "critical":
            title = f"VoIPBIN conformance ({problem['check']})"
            reach = f"{problem['operations_affected']} of {problem['operations_tested']} operations"
            stream.write(f"::error title={_property(title)}::{_data(problem['title'])} — {_data(reach)}\n")


def _bounded(text: str) -> str:
    """`text` cut at a line so that it stays under MAX_BYTES, whatever the rows held."""
    if len(text.encode("utf-8", "replace")) <= MAX_BYTES:
        return text
    kept = text.encode("utf-8", "replace")[: MAX_BYTES - 200].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    return kept + "\n\n… cut here to stay under GitHub's step summary limit; see report.html.\n"


def _data(text: Any) -> str:
    """A workflow command's message: one printable line, its `%`, CR and LF escaped as the runner unescapes them."""
    return oneline(printable(str(text)), 1000).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: Any) -> str:
    """A workflow command's property (`title=`): `:` and `,` would end it, so they are escaped too."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
