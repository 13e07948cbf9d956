"""Self-contained HTML pages without JavaScript: the merged report of shards (and the page style the regression
report shares). They carry the report's own style (html.STYLE: the same contrast, wrapping and layout as
report.html); a repro's copy button, which needs a script, is left hidden."""

from __future__ import annotations

from typing import Any

from conformance.reporting.html import STYLE, findings_html, summary_html
from conformance.reporting.out import html_text as escape

_STYLE = f"<style>{STYLE}body{{margin:1em 2em}}h2{{margin-top:1.5em}}</style>"


def page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>{_STYLE}'
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )


def render_results(results: dict[str, Any]) -> str:
    """A run's report from its results.json (used for merged shards, where no single pytest session exists)."""
    parts = summary_html(results, standalone=True)
    if results["findings"]:
        parts.append("<h2>Details</h2>" + findings_html(results["findings"]))
    return page("VoIPBIN conformance report", "".join(parts))
