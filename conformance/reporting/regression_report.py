"""The regression report: regression.json and regression.html, what `diff` and `run --baseline` write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.config import ensure_report_dir
from conformance.redact import Redactor
from conformance.reporting.html import findings_html
from conformance.reporting.out import Out
from conformance.reporting.out import html_text as escape
from conformance.reporting.regression import ONE_SIDED
from conformance.reporting.results import json_text
from conformance.reporting.static_html import page


def write(regression: dict[str, Any], report_dir: str, redactor: Redactor | None = None) -> tuple[Path, Path]:
    """regression.json and regression.html, through the single exit (`redactor`: the run's; by default the
    credentials of the environment)."""
    out = Out(redactor)
    shown = out.data(regression)
    text = json_text(shown, "regression.json")  # before anything is written
    directory = Path(report_dir)
    ensure_report_dir(str(directory))
    json_path = out.file(directory / "regression.json", text + "\n")
    html_path = out.file(directory / "regression.html", render_regression(shown))
    return json_path, html_path


def _run_line(header: dict[str, Any]) -> str:
    return (
        f"target {escape(str(header['target']))}, spec {escape(str(header['spec']))}, profile "
        f"{escape(str(header['profile']))}, seed {escape(str(header['seed']))}, "
        f"started {escape(str(header['started']))}, {escape(str(header['findings']))} finding(s)"
    )


def render_regression(regression: dict[str, Any]) -> str:
    counts = {key: len(regression.get(key, [])) for key in ("new", "fixed", "persisting", "not_retested")}
    parts = [
        f"<p>Baseline: {_run_line(regression['baseline'])}</p><p>New run: {_run_line(regression['new_run'])}</p>",
        '<table id="vc-regression"><tr><th>new</th><th>fixed</th><th>persisting</th><th>not retested</th></tr>'
        f'<tr><td class="vc-new" id="vc-new-count">{counts["new"]}</td>'
        f'<td class="vc-fixed" id="vc-fixed-count">{counts["fixed"]}</td>'
        f'<td id="vc-persisting-count">{counts["persisting"]}</td>'
        f'<td id="vc-not-retested-count">{counts["not_retested"]}</td></tr></table>',
    ]
    parts += _problem_changes(regression.get("problems") or {})
    sections = (
        ("new", "New findings"),
        ("fixed", "Fixed since the baseline (retested, gone)"),
        ("persisting", "Persisting"),
        ("not_retested", "Not retested: the new run did not test their operation with their check"),
    )
    for key, title in sections:
        parts.append(f'<h2 id="vc-{key}">{title} ({counts[key]})</h2>')
        parts.append(findings_html(regression[key]) if regression.get(key) else "<p>None.</p>")
    for key in ONE_SIDED:
        if regression[key]:
            items = "".join(f"<li>{escape(item)}</li>" for item in regression[key])
            parts.append(f"<h2>{escape(key.replace('_', ' ').capitalize())}</h2><ul>{items}</ul>")
    return page("VoIPBIN conformance: what changed", "".join(parts))


def _problem_changes(problems: dict[str, Any]) -> list[str]:
    """What changed at the level a team acts on, first: new problems and problems that spread."""
    parts = ['<h2 id="vc-problem-changes">Problems</h2>']
    titles = (
        ("new", "New problems"),
        ("spreading", "Spreading: reaching more operations than before"),
        ("fixed", "Fixed problems"),
        ("not_retested", "Problems not retested"),
    )
    for key, title in titles:
        items = "".join(
            f'<li class="vc-problem-{key}"><b class="vc-severity vc-sev-{escape(str(p["severity"]))}">'
            f"{escape(str(p['severity']))}</b> {escape(str(p['title']))} "
            f"({escape(str(p['operations_affected']))} operations"
            + (f", +{len(p['gained_operations'])} since the baseline" if key == "spreading" else "")
            + ")</li>"
            for p in problems.get(key, [])
        )
        parts.append(f"<h3>{title} ({len(problems.get(key, []))})</h3>" + (f"<ul>{items}</ul>" if items else ""))
    return parts
