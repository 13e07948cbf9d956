"""What pytest-html shows: the verdict first, the problems (each opening to its full-width details), the run header
and a checks x outcome table; each finding with request, response and a curl repro to copy. The style (AA contrast,
repros that wrap only at spaces) is shared by our own pages."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from conformance.checks import CATALOGUE, CHECKS
from conformance.reporting.out import html_text as escape
from conformance.results.problems import unreadable
from conformance.results.verdict import NOTHING


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
        parts.extend(_finding_html(f) for f in by_check[check])
        parts.append("</div>")
    return "".join(parts)


def _finding_html(f: dict[str, Any]) -> str:
    steps = "".join(
        f"<li>{escape(s['purpose'])}: <code>{escape(s['method'])} {escape(s['url'])}</code> &rarr; "
        f"{escape(str(s['error'] or s['status']))}</li>"
        for s in f.get("steps", [])
    )
    response = f.get("response") or {}
    replay = (
        "<details><summary>Replay the whole sequence (a shell script that captures ids and tokens as it goes)"
        f"</summary>{repro_html(f['replay'], 'vc-replay')}</details>"
        if f.get("replay")
        else ""
    )
    return (
        '<div class="vc-finding">'
        f'<p><b>{escape(f["operation"])}</b>: <span class="vc-message">{escape(f["message"])}</span> '
        f"<small>({_e(f.get('occurrences', 1))}x, fingerprint {escape(f['fingerprint'])})</small></p>"
        + (f"<ol class='vc-steps'>{steps}</ol>" if steps else "")
        + f"<p>Response: {escape(str(response.get('error') or response.get('status')))} "
        f"{escape(response.get('content_type') or '')}</p>"
        f'<pre class="vc-body">{escape((response.get("body") or "")[:600])}</pre>'
        f"<p>Reproduce:</p>{repro_html(f['repro'])}{replay}</div>"
    )


def repro_html(command: str, kind: str = "") -> str:
    """A shell command to copy: each token (a run of non-space characters) held on one line, so it wraps only at
    spaces and scrolls inside its box where one token is wider than the box; a copy button that the page's script
    shows (a page without the script has none)."""
    tokens = "".join(
        escape(part) if part.isspace() else f'<span class="vc-tok">{escape(part)}</span>'
        for part in re.split(r"(\s+)", command)
        if part
    )
    return (
        '<div class="vc-repro-box"><button type="button" class="vc-copy" hidden>copy</button>'
        f'<pre class="{f"vc-repro {kind}".strip()}">{tokens}</pre></div>'
    )


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


# Every colour here holds WCAG AA (4.5:1) on its background; tests/reporting/test_browser.py measures it in Chromium.
STYLE = (
    'body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f1f1f;'
    "background:#fff}h1,h2,h3,h4,p,li,td,th,summary{color:#1f1f1f}a{color:#0b57d0}small{color:#555}"
    "table{border-collapse:collapse}#vc-checks,#vc-regression{margin:1em 0}"
    "#vc-checks td,#vc-checks th,#vc-regression td,#vc-regression th{border:1px solid #ccc;padding:.25em .6em;"
    "text-align:left}td,li,p,summary{overflow-wrap:anywhere}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f4f6;color:#1f1f1f;padding:.5em .7em;"
    'margin:.3em 0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}'
    # A repro wraps at spaces only (each token is a nowrap span) and scrolls in its box, never the page.
    ".vc-repro-box{position:relative;max-width:100%}"
    "pre.vc-repro{word-break:normal;overflow-wrap:normal;overflow-x:auto;padding-right:5.5em}"
    ".vc-tok{white-space:nowrap}.vc-copy{position:absolute;top:.35em;right:.35em;font:12px/1.3 system-ui,sans-serif;"
    "color:#1f1f1f;background:#fff;border:1px solid #767676;border-radius:3px;padding:.15em .6em;cursor:pointer}"
    ".vc-copy:hover,.vc-copy:focus{background:#e8eefc}"
    ".vc-sev-critical,.vc-failed td:nth-child(2),.vc-new{color:#b00020}.vc-sev-high{color:#a33f00}"
    ".vc-sev-medium{color:#6b5800}.vc-severity{font-weight:bold}.vc-passed td:nth-child(2),.vc-fixed{color:#1b6e1b}"
    ".vc-skipped td:nth-child(2),.vc-not-judged td:nth-child(2){color:#555}"
    # Problems: a grid row each; opened, the details take the full width under it.
    ".vc-problem-head,.vc-problem-row{display:grid;grid-template-columns:3em 5.5em minmax(0,1fr) 13em 11em;"
    "gap:.8em;align-items:baseline;padding:.35em .5em}.vc-problem-head{font-weight:bold;border-bottom:2px solid #ccc}"
    ".vc-problem{border-bottom:1px solid #ddd}.vc-problem-row{cursor:pointer;list-style:none}"
    ".vc-problem-row::-webkit-details-marker{display:none}.vc-problem-row:hover{background:#f3f6fc}"
    '.vc-n::before{content:"\\25B8\\00A0"}.vc-problem[open]>.vc-problem-row .vc-n::before{content:"\\25BE\\00A0"}'
    ".vc-problem-body{padding:.2em .5em 1em 3.8em}"
    ".vc-finding{border-left:3px solid #b00020;padding-left:.8em;margin:.8em 0}"
)
# pytest-html's own style (12 px #999 text, orange and red at 2:1 and 4:1) overridden, and its page reordered:
# the verdict under the title, the results table next, the generator line and the environment at the bottom.
PYTEST_HTML_STYLE = (
    "body{display:flex;flex-direction:column;margin:0;padding:.5em 1.5em;font-size:15px}body>*{min-width:0}"
    "#title{order:0;margin:.3em 0 .4em}.summary{order:1}#results-table{order:2}"
    "body>p,#environment-header,#environment{order:3}footer{order:4}.summary__data>h2{display:none}"
    "#results-table{color:#1f1f1f;font-size:14px;table-layout:fixed;width:100%}"
    "#environment td{color:#1f1f1f}.filters button,.collapse button{color:#0b57d0;font-size:14px}"
    ".filters button:hover,.collapse button:hover{color:#083f99}span.passed,.passed .col-result{color:#1b6e1b}"
    "span.skipped,span.xfailed,span.rerun,.skipped .col-result,.xfailed .col-result,.rerun .col-result{color:#8a4a00}"
    "span.error,span.failed,span.xpassed,.error .col-result,.failed .col-result,.xpassed .col-result{color:#b00020}"
    ".collapsible td:not(.col-links):hover::after,#environment-header h2:hover::after,"
    "#environment-header.collapsed h2:hover::after{color:#555}.summary__reload__button{background-color:#2e7d32}"
)
PAGE_STYLE = f"<style>{STYLE}{PYTEST_HTML_STYLE}</style>"
# One click copies a repro (pytest-html's page runs inline script; our own pages carry none, and no button).
COPY_SCRIPT = """<script>(function () {
  function say(button, label) {
    button.textContent = label;
    setTimeout(function () { button.textContent = "copy"; }, 1500);
  }
  function select(pre, button) {
    var range = document.createRange(); range.selectNodeContents(pre);
    var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    var copied = false; try { copied = document.execCommand("copy"); } catch (e) {}
    say(button, copied ? "copied" : "selected: Ctrl+C");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".vc-copy") : null;
    if (!button) return;
    var pre = button.parentNode.querySelector("pre");
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(pre.textContent).then(function () { say(button, "copied"); },
        function () { select(pre, button); });
    } else { select(pre, button); }
  });
  document.querySelectorAll(".vc-copy").forEach(function (button) { button.hidden = false; });
})();</script>"""


_OUTCOME_COLOUR = {"passed": "#1b7a1b", "failed": "#b00020", "incomplete": "#7a6400", "error": "#7a6400"}


def banner_html(results: dict[str, Any]) -> str:
    """The verdict first, as results.json stores it (results/verdict.py decides it for every output)."""
    from conformance.results.verdict import Verdict

    verdict = Verdict.of(results)
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in verdict.reasons)
    return (
        f'<div id="vc-verdict" data-outcome="{escape(verdict.outcome)}" style="background:'
        f"{_OUTCOME_COLOUR.get(verdict.outcome, '#7a6400')};color:#fff;padding:.6em 1em;font-size:1.3em;"
        f'overflow-wrap:anywhere">{escape(verdict.headline)}</div>'
        + (f'<ul id="vc-verdict-reasons">{reasons}</ul>' if reasons else "")
    )


_PROBLEM_COLUMNS = ("#", "severity", "problem", "check", "reach")


def problems_html(results: dict[str, Any], full: int = _FULL_EXCHANGES) -> str:
    """One row per problem; opened, its details take a row of their own, the page's full width."""
    problems = results.get("problems") or []
    if not problems:
        return ""
    by_problem: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in results["findings"]:
        by_problem[finding.get("problem", "")].append(finding)
    head = "".join(f"<span>{name}</span>" for name in _PROBLEM_COLUMNS)
    rows = "".join(_problem_html(n, p, by_problem[p["id"]], full) for n, p in enumerate(problems, 1))
    return (
        '<section id="vc-problems"><h2>Problems, most severe first</h2>'
        f'<div class="vc-problem-head" aria-hidden="true">{head}</div>{rows}</section>'
    )


def _problem_html(n: int, p: dict[str, Any], findings: list[dict[str, Any]], full: int = _FULL_EXCHANGES) -> str:
    examples = sorted(findings, key=lambda f: unreadable(f.get("repro") or ""))[:full]
    operations = ", ".join(escape(op) for op in p["operations"])
    severity = _e(p["severity"])
    return (
        f'<details class="vc-problem vc-{severity}" data-problem="{_e(p["id"])}">'
        f'<summary class="vc-problem-row"><span class="vc-n">{n}</span>'
        f'<span class="vc-severity vc-sev-{severity}">{severity}</span>'
        f'<span class="vc-problem-title">{_e(p["title"])}</span><span class="vc-problem-check">{_e(p["check"])}</span>'
        f'<span class="vc-reach">{_e(p["operations_affected"])} of {_e(p["operations_tested"])} operations</span>'
        f'</summary><div class="vc-problem-body"><p class="vc-doc">{_e(p["doc"])}</p>'
        f"<p><b>Shortest repro:</b></p>{repro_html(str(p['repro']))}"
        f"<p><b>Operations:</b> {operations}</p>"
        f"<p>{_e(len(examples))} of {_e(p['findings'])} findings in full (all are in results.json):</p>"
        f"{findings_html(examples)}</div></details>"
    )


def findings_index_html(findings: list[dict[str, Any]], cap: int = _INDEX_CAP) -> str:
    """Every finding on one line, grouped by check then operation: what a reviewer scans first."""
    if not findings:
        return '<p id="vc-no-findings">No findings.</p>'
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_check[finding["check"]].append(finding)
    parts = ['<div id="vc-index"><h3>Findings by check</h3>']
    for check in sorted(by_check, key=lambda c: CATALOGUE.index(c) if c in CATALOGUE else 99):
        listed = sorted(by_check[check], key=lambda f: f["operation"])
        items = "".join(f"<li><b>{escape(f['operation'])}</b>: {escape(f['message'][:300])}</li>" for f in listed[:cap])
        more = len(listed) - cap
        if more > 0:
            items += f"<li>… and {more} more (results.json has every one)</li>"
        parts.append(
            f'<details><summary class="vc-check-id">{escape(check)} ({len(listed)})</summary><ul>{items}</ul></details>'
        )
    return "".join(parts) + "</div>"


MAX_PAGE_BYTES = 1_500_000  # report.html, however many findings: the rest is in results.json, and the page says so
SECTIONS_BYTES = 1_000_000  # our sections of pytest-html's page; its own table of tests takes the rest
_DETAIL = ((_FULL_EXCHANGES, _INDEX_CAP, 100), (1, 10, 40), (0, 3, 10), (0, 0, 0))  # full, listed, unanswered


def bounded_summary_html(results: dict[str, Any], *, standalone: bool = False, budget: int = SECTIONS_BYTES) -> str:
    """summary_html() at the most detail that stays within `budget` bytes (the least detail, cut, past that)."""
    for level, detail in enumerate(_DETAIL):
        parts = summary_html(results, standalone=standalone, detail=detail)
        text = "".join(parts)
        if len(text.encode("utf-8", "replace")) <= budget or level == len(_DETAIL) - 1:
            break
    if level:
        note = (
            f'<p id="vc-cut">This page shows part of the {len(results["findings"])} findings to stay under '
            f"{MAX_PAGE_BYTES / 1e6:g} MB; results.json has every one.</p>"
        )
        text = text.replace('<div id="vc-run">', note + '<div id="vc-run">', 1)
    data = text.encode("utf-8", "replace")
    if len(data) > budget:  # hundreds of problems at the least detail: cut, and say where the rest is
        cut = data[: budget - 400].decode("utf-8", "ignore").rsplit("<", 1)[0]
        text = cut + '<p id="vc-cut-end">… the page ends here to stay small; results.json has everything.</p>'
    return text


def summary_html(
    results: dict[str, Any], *, standalone: bool = False, detail: tuple[int, int, int] = _DETAIL[0]
) -> list[str]:
    """The run's sections, the verdict first. For pytest-html's page (the default) with the style that overrides
    pytest-html's own and the copy buttons' script; `standalone`: for a page of ours, which carries its own style
    and no script. `detail`: findings in full per problem, findings listed per check, unanswered requests listed."""
    full, listed, unanswered = detail
    summary = results["summary"]
    header = (
        f'<div id="vc-run"><h2>VoIPBIN conformance</h2><p>'
        f"Target: <b>{escape(summary['target'])}</b> &middot; Spec: {escape(summary['spec'])} &middot; "
        f"Profile: <b>{escape(summary['profile'])}</b> &middot; Seed: <b>{_e(summary['seed'])}</b> &middot; "
        f"Writes allowed: {'yes' if summary['writes_allowed'] else 'no'} &middot; "
        f"Operations: {_e(summary['operations_tested'])} &middot; Cases: {_e(summary['cases'])} &middot; "
        f'Findings: <b id="vc-findings-count">{_e(summary["findings"])}</b></p></div>'
    )
    table = _checks_table(summary, results["findings"])
    return [
        "" if standalone else PAGE_STYLE,
        banner_html(results),
        problems_html(results, full),
        header,
        _mock_command_html(summary),
        '<p id="vc-insecure"><b>TLS NOT VERIFIED (--insecure)</b>: the target\'s certificate was never checked.</p>'
        if summary.get("tls_verified") is False
        else "",
        _completeness_html(summary),
        table,
        _reach_html(summary),
        _unanswered_html(results["findings"], unanswered),
        _not_judged_html(summary, unanswered),
        findings_index_html(results["findings"], listed),
        "" if standalone else COPY_SCRIPT,
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


def _unanswered_html(findings: list[dict[str, Any]], cap: int) -> str:
    """Requests the target did not answer (a timeout, a connection that failed): each with its operation."""
    silent = [f for f in findings if (f.get("response") or {}).get("error")]
    if not silent:
        return ""
    items = "".join(
        f"<li><b>{_e(f['operation'])}</b>: {_e(str(f['message'])[:300])} <small>[{_e(f['check'])}]</small></li>"
        for f in silent[:cap]
    )
    more = f"<li>… and {len(silent) - cap} more (results.json has every one)</li>" if len(silent) > cap else ""
    return (
        f'<div id="vc-unanswered"><h3>Requests the target did not answer ({len(silent)})</h3>'
        f"<ul>{items}{more}</ul></div>"
    )


def _not_judged_html(summary: dict[str, Any], cap: int) -> str:
    """What the run could not judge, and why (a probe whose request got no answer, a sequence with nothing to try)."""
    unjudged = summary.get("not_judged") or []
    if not unjudged:
        return ""
    items = "".join(f"<li>{_e(item)}</li>" for item in unjudged[:cap])
    more = f"<li>… and {len(unjudged) - cap} more (results.json summary.not_judged)</li>" if len(unjudged) > cap else ""
    return f'<div id="vc-not-judged"><h3>Not judged ({len(unjudged)})</h3><ul>{items}{more}</ul></div>'


def _checks_table(summary: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """Per check: its outcome; "not judged", with the reason, where it judged nothing (never a green "passed")."""
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding["check"]] += 1
    rows = []
    for check, entry in summary["checks"].items():
        status = "skipped" if entry.get("skipped") else "failed" if counts[check] else "passed"
        if status == "passed" and not entry.get("passed") and not entry.get("failed"):
            status = "not judged"  # 0 passed and 0 failed is no pass
        why = entry.get("skipped") or (entry.get("not_judged") or NOTHING if status == "not judged" else "")
        rows.append(
            f'<tr class="vc-{status.replace(" ", "-")}"><td>{escape(check)}</td><td>{status}</td>'
            f"<td>{_e(entry['passed'])}</td><td>{_e(entry['failed'])}</td><td>{counts[check]}</td>"
            f"<td>{escape(why)}</td></tr>"
        )
    return (
        '<table id="vc-checks"><thead><tr><th>check</th><th>outcome</th><th>passed</th><th>failed</th>'
        "<th>findings</th><th>why not judged</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
