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
                f'<p>Reproduce:</p><pre class="vc-repro">{escape(f["repro"])}</pre>'
                + (
                    "<details><summary>Replay the whole sequence (a shell script that captures ids and tokens "
                    f'as it goes)</summary><pre class="vc-replay">{escape(f["replay"])}</pre></details>'
                    if f.get("replay")
                    else ""
                )
                + "</div>"
            )
        parts.append("</div>")
    return "".join(parts)


_SEVERITY_COLOUR = {"critical": "#b00020", "high": "#c25400", "medium": "#7a6400"}
_FULL_EXCHANGES = 3  # per problem; every finding stays in results.json
_INDEX_CAP = 40  # findings listed per check in the index


_COMPACT_CAP = 5  # findings listed under a test row; its problems (above) and results.json have them all


def compact_findings_html(findings: list[dict[str, Any]]) -> str:
    """A test's findings, one line each: repros and full exchanges live under the problems."""
    items = "".join(
        f'<li><span class="vc-message">{escape(f["message"][:300])}</span> <small>[{escape(f["check"])}]</small></li>'
        for f in findings[:_COMPACT_CAP]
    )
    if len(findings) > _COMPACT_CAP:
        items += f"<li>… and {len(findings) - _COMPACT_CAP} more: see the problems above</li>"
    return f'<ul class="vc-compact">{items}</ul>'


# Readable at any width: nothing a target sends (long tokens, bodies, URLs) may push the page sideways.
PAGE_STYLE = (
    "<style>pre{white-space:pre-wrap;word-break:break-all}td,li,p,summary{overflow-wrap:anywhere}"
    "#results-table,#vc-problems{table-layout:fixed;width:100%}#vc-problems td{vertical-align:top}</style>"
)


_OUTCOME_COLOUR = {"passed": "#1b7a1b", "failed": "#b00020", "incomplete": "#7a6400", "error": "#7a6400"}


def banner_html(results: dict[str, Any]) -> str:
    """The verdict first, as results.json stores it (engine/_verdict.py decides it for every output)."""
    from conformance.engine._verdict import Verdict

    verdict = Verdict.of(results)
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in verdict.reasons)
    return (
        f'<div id="vc-verdict" data-outcome="{escape(verdict.outcome)}" style="background:'
        f"{_OUTCOME_COLOUR.get(verdict.outcome, '#7a6400')};color:#fff;padding:.6em 1em;font-size:1.3em;"
        f'overflow-wrap:anywhere">{escape(verdict.headline)}</div>'
        + (f'<ul id="vc-verdict-reasons">{reasons}</ul>' if reasons else "")
    )


def problems_html(results: dict[str, Any]) -> str:
    problems = results.get("problems") or []
    if not problems:
        return ""
    by_problem: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in results["findings"]:
        by_problem[finding.get("problem", "")].append(finding)
    rows = []
    for n, p in enumerate(problems, 1):
        examples = sorted(by_problem[p["id"]], key=lambda f: len(f.get("repro", "")))[:_FULL_EXCHANGES]
        operations = ", ".join(escape(op) for op in p["operations"])
        rows.append(
            f'<tr class="vc-problem vc-{_e(p["severity"])}" data-problem="{_e(p["id"])}"><td>{n}</td>'
            f'<td style="color:{_SEVERITY_COLOUR.get(p["severity"], "#333")};font-weight:bold">{_e(p["severity"])}</td>'
            f'<td><details><summary class="vc-problem-title">{_e(p["title"])}</summary>'
            f'<p class="vc-doc">{_e(p["doc"])}</p><p><b>Operations:</b> {operations}</p>'
            f"<p>{_e(len(examples))} of {_e(p['findings'])} findings in full (all are in results.json):</p>"
            f"{findings_html(examples)}</details></td>"
            f"<td>{_e(p['check'])}</td>"
            f'<td class="vc-reach">{_e(p["operations_affected"])} of {_e(p["operations_tested"])} operations</td>'
            f'<td><pre class="vc-repro">{_e(p["repro"])}</pre></td></tr>'
        )
    return (
        '<h2>Problems, most severe first</h2><table id="vc-problems"><colgroup><col style="width:3%">'
        '<col style="width:8%"><col style="width:42%"><col style="width:13%"><col style="width:10%">'
        '<col style="width:24%"></colgroup><thead><tr><th>#</th><th>severity</th><th>problem</th><th>check</th>'
        "<th>reach</th><th>shortest repro</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def findings_index_html(findings: list[dict[str, Any]]) -> str:
    """Every finding on one line, grouped by check then operation: what a reviewer scans first."""
    if not findings:
        return '<p id="vc-no-findings">No findings.</p>'
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_check[finding["check"]].append(finding)
    parts = ['<div id="vc-index"><h3>Findings by check</h3>']
    for check in sorted(by_check, key=lambda c: CATALOGUE.index(c) if c in CATALOGUE else 99):
        listed = sorted(by_check[check], key=lambda f: f["operation"])
        items = "".join(
            f"<li><b>{escape(f['operation'])}</b>: {escape(f['message'])}</li>" for f in listed[:_INDEX_CAP]
        )
        more = len(listed) - _INDEX_CAP
        if more > 0:
            items += f"<li>… and {more} more (results.json has every one)</li>"
        parts.append(
            f'<details><summary class="vc-check-id">{escape(check)} ({len(listed)})</summary><ul>{items}</ul></details>'
        )
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
    return [
        PAGE_STYLE,
        banner_html(results),
        problems_html(results),
        header,
        _mock_command_html(summary),
        '<p id="vc-insecure"><b>TLS NOT VERIFIED (--insecure)</b>: the target\'s certificate was never checked.</p>'
        if summary.get("tls_verified") is False
        else "",
        _completeness_html(summary),
        table,
        _reach_html(summary),
        findings_index_html(results["findings"]),
    ]


def _mock_command_html(summary: dict[str, Any]) -> str:
    if not summary.get("mock_command"):
        return ""
    return (
        '<p id="vc-mock-command">The repros below target the embedded mock as this run saw it; serve it with '
        f"<code>{_e(summary['mock_command'])}</code> and export the credentials it prints.</p>"
    )


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
    held = reach.get("not_allowed") or []
    return (
        f'<div id="vc-reach"><h3>Reach</h3><p>{_e(reach["reached_2xx"])} of {_e(reach["operations"])} operations '
        f"answered a 2xx ({_e(reach['percent'])}%)"
        + (f", not counting {len(held)} writes a read-only run does not send" if held else "")
        + ". "
        + (f"Never reached (success path untested):</p><ul>{items}</ul>" if never else "All reached.</p>")
        + "</div>"
    )
