"""Self-contained HTML pages without JavaScript: the regression report and the merged report of shards."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.reporting.html import findings_html, summary_html
from conformance.reporting.regression import ONE_SIDED

_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.vc-failed td:nth-child(2){color:#b00}
.vc-passed td:nth-child(2){color:#070}.vc-skipped td:nth-child(2){color:#777}pre{background:#f4f4f4;padding:.5em;
white-space:pre-wrap;word-break:break-all}h2{margin-top:1.5em}.vc-finding{border-left:3px solid #b00;padding-left:.8em;
margin:.8em 0}.vc-new{color:#b00}.vc-fixed{color:#070}
</style>"""


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>{_STYLE}'
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def render_results(results: dict[str, Any]) -> str:
    """A run's report from its results.json (used for merged shards, where no single pytest session exists)."""
    parts = summary_html(results)
    if results["findings"]:
        parts.append("<h2>Details</h2>" + findings_html(results["findings"]))
    return _page("VoIPBIN conformance report", "".join(parts))


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
    return _page("VoIPBIN conformance: what changed", "".join(parts))


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
            f'<li class="vc-problem-{key}"><b>{escape(str(p["severity"]))}</b> {escape(str(p["title"]))} '
            f"({escape(str(p['operations_affected']))} operations"
            + (f", +{len(p['gained_operations'])} since the baseline" if key == "spreading" else "")
            + ")</li>"
            for p in problems.get(key, [])
        )
        parts.append(f"<h3>{title} ({len(problems.get(key, []))})</h3>" + (f"<ul>{items}</ul>" if items else ""))
    return parts
