"""Self-contained HTML pages without JavaScript: the merged report of shards (and the page style the regression
report shares). They carry the report's own style (html.STYLE: the same contrast, wrapping and layout as
report.html); a repro's copy button, which needs a script, is left hidden."""

from __future__ import annotations

from typing import Any

from conformance.reporting.html import MAX_PAGE_BYTES, STYLE, bounded_summary_html, findings_html
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
    body = bounded_summary_html(results, standalone=True, budget=MAX_PAGE_BYTES - 40_000)
    details = "<h2>Details</h2>" + findings_html(results["findings"]) if results["findings"] else ""
    if len(body.encode("utf-8", "replace")) + len(details.encode("utf-8", "replace")) < MAX_PAGE_BYTES - 40_000:
        body += details  # every finding in full where it fits; results.json has them all in any case
    return page("VoIPBIN conformance report", body)
