"""Self-contained HTML pages without JavaScript: the merged report of shards (and the page style the regression
report shares)."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.reporting.html import findings_html, summary_html

_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.vc-failed td:nth-child(2){color:#b00}
.vc-passed td:nth-child(2){color:#070}.vc-skipped td:nth-child(2){color:#777}pre{background:#f4f4f4;padding:.5em;
white-space:pre-wrap;word-break:break-all}h2{margin-top:1.5em}.vc-finding{border-left:3px solid #b00;padding-left:.8em;
margin:.8em 0}.vc-new{color:#b00}.vc-fixed{color:#070}
</style>"""


def page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>{_STYLE}'
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def render_results(results: dict[str, Any]) -> str:
    """A run's report from its results.json (used for merged shards, where no single pytest session exists)."""
    parts = summary_html(results)
    if results["findings"]:
        parts.append("<h2>Details</h2>" + findings_html(results["findings"]))
    return page("VoIPBIN conformance report", "".join(parts))
