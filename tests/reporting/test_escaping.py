"""Escaping per output format: a terminal or CI log, Markdown (summary.md, the step summary), workflow commands;
and the caps that keep one target from growing a report without bound."""

from __future__ import annotations

import io
import json

import pytest

from conformance.checks import Exchange, Fail
from conformance.redact import Redactor
from conformance.reporting import ci_summary
from conformance.reporting.out import Out, printable
from conformance.results.finding import Finding

TOKEN = "tok-5f2b9c0d7e1a4c3b8d6e9f0a1b2c3d4e"


@pytest.mark.parametrize(
    "hostile",
    [
        "::warning title=owned::forged",
        "   ::add-mask::x",
        "\u00a0\u2003::stop-commands::t",
        "x ##[error]forged",
        "ok\n::error::forged",
        "ok\r::error::forged",
        "ok\u2028::error::forged",
        "ok\x85::error::forged",
    ],
)
def test_nothing_printed_starts_a_workflow_command(hostile):
    for line in printable(hostile).split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line


@pytest.mark.parametrize(
    "hidden", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u061c", "\U000e0041", "\x1b", "\ud800"]
)
def test_bidi_zero_width_and_control_characters_are_shown_not_obeyed(hidden):
    assert printable(f"a{hidden}b") == "a?b"


def test_ordinary_text_passes_through_printable():
    text = "GET /calls/{id}: 200 — réponse «ok» 日本\tx\n"
    assert printable(text) == text


def test_out_redacts_every_line_it_prints():
    stream = io.StringIO()
    Out(Redactor({"VOIPBIN_TOKEN": TOKEN})).line(f"echoed {TOKEN.upper()}\n::add-mask::x", stream)
    assert TOKEN.lower() not in stream.getvalue().lower()
    assert "\n: :add-mask::x" in stream.getvalue()


def _results(title: str, problems: int = 1) -> dict:
    problem = {
        "severity": "critical",
        "title": title,
        "check": "json_response",
        "operations_affected": 1,
        "operations_tested": 1,
    }
    summary = {"target": "http://h", "profile": "p", "seed": 1, "operations_tested": 1, "cases": 1, "reach": {}}
    return {
        "summary": summary,
        "problems": [dict(problem, title=f"{title} {n}") for n in range(problems)],
        "findings": [],
    }


def test_markdown_escapes_html_and_markdown_from_targets():
    markdown_it = pytest.importorskip("markdown_it")
    title = "<img src=//e/x.png> <a href=//e>Passed</a> </table> [x](//e) `code` **b** | $m$ &amp; <script>"
    page = (
        markdown_it.MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render(ci_summary.markdown(_results(title), "r"))
    )
    assert "<img" not in page and "<a " not in page and "<script" not in page and page.count("<strong>") == 1
    assert page.count("<td>") == 5 and page.count("</table>") == 1  # the title stayed in its cell
    assert "&lt;img src=//e/x.png&gt;" in page and "[x](//e)" in page and "&amp;amp;" in page


def test_summary_md_stays_bounded_whatever_the_problems_hold(tmp_path, monkeypatch):
    step = tmp_path / "step.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    path = ci_summary.write(_results("<&|`*_" * 10_000, problems=5_000), str(tmp_path))
    assert path.stat().st_size < 256 * 1024 and step.stat().st_size == path.stat().st_size
    assert "more in report.html" in path.read_text()


def test_bounded_cuts_at_a_line_under_the_limit():
    text = "| row |\n" * 200_000
    kept = ci_summary._bounded(text)
    assert len(kept.encode()) <= ci_summary.MAX_BYTES and kept.endswith("report.html.\n")


def test_annotations_escape_what_ends_a_workflow_command(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    stream = io.StringIO()
    results = _results("x::y,title=forged\n::add-mask::z %0A")
    ci_summary._annotate(results["problems"], stream)
    line = stream.getvalue()
    assert line.count("\n") == 1 and line.startswith("::error title=VoIPBIN conformance (json_response)::")
    assert "%250A" in line  # a literal "%0A" from the target is not a newline to the runner


def test_a_finding_caps_every_field_a_target_controls():
    huge = "text/x-" + "y" * 60_000
    exchange = Exchange(
        "GET /items",
        "GET",
        "http://h/items",
        {},
        None,
        status=200,
        response_headers={"content-type": huge},
        response_body=b"z" * 100_000,
        error="e" * 10_000,
    )
    finding = Finding.of(
        "json_response", "GET /items", Fail(f"200 says {huge}", f"content-type:{huge}", exchange), Redactor({})
    )
    size = len(json.dumps(finding.as_dict()))
    assert size < 8_000, size
    assert len(finding.key) <= 201 and len(finding.message) < 1_100


def test_a_secret_across_the_cut_of_a_body_is_redacted_whole():
    body = b"x" * 1995 + TOKEN.encode() + b"tail"
    exchange = Exchange("GET /items", "GET", "http://h/items", {}, None, status=200, response_body=body)
    finding = Finding.of("json_response", "GET /items", Fail("m", "k", exchange), Redactor({"VOIPBIN_TOKEN": TOKEN}))
    assert TOKEN[:5] not in finding.response["body"]
