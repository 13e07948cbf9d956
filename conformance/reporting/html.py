"""What pytest-html shows: a run header and a checks x outcome table, and each failed test's findings grouped
by check with request, response and a curl repro."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from conformance.checks import CATALOGUE, CHECKS


def _e(value: Any) -> str:
    """Anything from a results file is text to escape: a hand-edited file may hold markup where a number was."""
    return escape(str(value))


def findings_html(findings: list[dict[str, Any]]) -> str:
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_check[finding["check"]].append(finding)
    parts = []
    for check in sorted(by_check, key=lambda c: CATALOGUE.index(c) if c in CATALOGUE else 99):
        doc = CHECKS[check].doc if check in CHECKS else ""
        parts.append(
            f'<div class="vc-check"><h4 class="vc-check-id">{escape(check)}</h4><p class="vc-doc">{escape(doc)}</p>'
        )
        for f in by_check[check]:
            steps = "".join(
                f"<li>{escape(s['purpose'])}: <code>{escape(s['method'])} {escape(s['url'])}</code> &rarr; "
                f"{escape(str(s['error'] or s['status']))}</li>"
                for s in f.get("steps", [])
            )
            response = f.get("response") or {}
            parts.append(
                '<div class="vc-finding">'
                f'<p><b>{escape(f["operation"])}</b>: <span class="vc-message">{escape(f["message"])}</span> '
                f"<small>({_e(f.get('occurrences', 1))}x, fingerprint {escape(f['fingerprint'])})</small></p>"
                + (f"<ol class='vc-steps'>{steps}</ol>" if steps else "")
                + f"<p>Response: {escape(str(response.get('error') or response.get('status')))} "
                f"{escape(response.get('content_type') or '')}</p>"
                f'<pre class="vc-body">{escape((response.get("body") or "")[:600])}</pre>'
                f'<p>Reproduce:</p><pre class="vc-repro">{escape(f["repro"])}</pre></div>'
            )
        parts.append("</div>")
    return "".join(parts)


def findings_index_html(findings: list[dict[str, Any]]) -> str:
    """Every finding on one line, grouped by check then operation: what a reviewer scans first."""
    if not findings:
        return '<p id="vc-no-findings">No findings.</p>'
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_check[finding["check"]].append(finding)
    parts = ['<div id="vc-index"><h3>Findings by check</h3>']
    for check in sorted(by_check, key=lambda c: CATALOGUE.index(c) if c in CATALOGUE else 99):
        items = "".join(
            f"<li><b>{escape(f['operation'])}</b>: {escape(f['message'])}</li>"
            for f in sorted(by_check[check], key=lambda f: f["operation"])
        )
        parts.append(f'<h4 class="vc-check-id">{escape(check)} ({len(by_check[check])})</h4><ul>{items}</ul>')
    return "".join(parts) + "</div>"


def summary_html(results: dict[str, Any]) -> list[str]:
    summary = results["summary"]
    header = (
        f'<div id="vc-run"><h2>VoIPBIN conformance</h2><p>'
        f"Target: <b>{escape(summary['target'])}</b> &middot; Spec: {escape(summary['spec'])} &middot; "
        f"Profile: <b>{escape(summary['profile'])}</b> &middot; Seed: <b>{_e(summary['seed'])}</b> &middot; "
        f"Writes allowed: {'yes' if summary['writes_allowed'] else 'no'} &middot; "
        f"Operations: {_e(summary['operations_tested'])} &middot; Cases: {_e(summary['cases'])} &middot; "
        f'Findings: <b id="vc-findings-count">{_e(summary["findings"])}</b></p></div>'
    )
    rows = []
    counts: dict[str, int] = defaultdict(int)
    for finding in results["findings"]:
        counts[finding["check"]] += 1
    for check, entry in summary["checks"].items():
        status = "skipped" if entry.get("skipped") else "failed" if counts[check] else "passed"
        reason = escape(entry.get("skipped") or "")
        rows.append(
            f'<tr class="vc-{status}"><td>{escape(check)}</td><td>{status}</td><td>{_e(entry["passed"])}</td>'
            f"<td>{_e(entry['failed'])}</td><td>{counts[check]}</td><td>{reason}</td></tr>"
        )
    table = (
        '<table id="vc-checks"><thead><tr><th>check</th><th>outcome</th><th>passed</th><th>failed</th>'
        "<th>findings</th><th>why skipped</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return [header, _completeness_html(summary), table, _reach_html(summary), findings_index_html(results["findings"])]


def _completeness_html(summary: dict[str, Any]) -> str:
    if summary.get("complete", True):
        return ""
    tests = summary.get("tests") or {}
    why = summary.get("stopped") or ("interrupted" if summary.get("interrupted") else "not every test ran")
    if summary.get("missing_shards"):
        why = f"shard(s) {', '.join(map(str, summary['missing_shards']))} missing from the merge"
    return (
        f'<p id="vc-incomplete"><b>Incomplete: {_e(tests.get("done", "?"))} of {_e(tests.get("total", "?"))} '
        f"tests ran</b> ({_e(why)}). What did not run was not tested, and is not a pass.</p>"
    )


def _reach_html(summary: dict[str, Any]) -> str:
    reach = summary.get("reach")
    if not reach or not reach.get("operations"):
        return ""
    never = reach.get("never_2xx") or []
    items = "".join(
        f"<li>{_e(op)}: answered {_e(', '.join(map(str, reach['statuses'].get(op, []))) or 'nothing')}</li>"
        for op in never
    )
    return (
        f'<div id="vc-reach"><h3>Reach</h3><p>{_e(reach["reached_2xx"])} of {_e(reach["operations"])} operations '
        f"answered a 2xx ({_e(reach['percent'])}%). "
        + (f"Never reached (success path untested):</p><ul>{items}</ul>" if never else "All reached.</p>")
        + "</div>"
    )
