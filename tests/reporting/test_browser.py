"""The HTML reports as a person sees them: opened in headless Chromium at 1280x800, after pytest-html's
JavaScript ran; measured by measure.js (contrast, width, where lines wrap) with every detail opened."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.reporting import static_html
from conformance.reporting.html import repro_html
from tests.engine.test_cli import cli

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("CI"):  # every test here opens a page: one skip, before any report run
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


def chromium() -> str:
    if CHROMIUM is None:
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium")
    return CHROMIUM


def rendered(path, tmp_path, size: str = "1280,800") -> str:
    result = subprocess.run(
        [
            chromium(),
            f"--window-size={size}",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


MEASURE = Path(__file__).with_name("measure.js").read_text()
AA = 4.5  # WCAG 2.x AA, normal text


def measured(page: Path, tmp_path: Path) -> dict:
    """What measure.js saw on `page` at 1280x800 with every detail opened."""
    probe = page.with_name(f"measured-{page.name}")
    probe.write_text(page.read_text() + f"<script>{MEASURE}</script>")
    found = re.search(r'data-measured="([^"]*)"', rendered(probe, tmp_path))
    assert found, "measure.js left no measurements"
    return json.loads(html.unescape(found.group(1)))


def text(dom: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)).replace("&amp;", "&").replace("&gt;", ">")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    chromium()
    where = tmp_path_factory.mktemp("browser")
    common = ("run", "--seed", "9", "--max-examples", "1", "--include", "^(GET|POST) /tags$")
    assert cli(*common, "--report-dir", "clean", cwd=where).returncode == 0
    assert cli(*common, "--mock-fault", "error_without_message", "--report-dir", "broken", cwd=where).returncode == 1
    assert cli("diff", "clean/results.json", "broken/results.json", "--report-dir", "diff", cwd=where).returncode == 1
    faults = ("--mock-fault", "any_bearer_accepted", "--mock-fault", "server_error_on_long_strings")
    many = ("run", "--seed", "9", "--max-examples", "2", *faults, "--report-dir", "many")
    assert cli(*many, cwd=where).returncode == 1
    return where


def test_the_report_leads_with_the_verdict_and_ranked_problems(reports, tmp_path):
    import json

    results = json.loads((reports / "many" / "results.json").read_text())
    page = reports / "many" / "report.html"
    # Measure the page as a 1280 px wide window lays it out, after pytest-html's JavaScript.
    probe = page.with_name("measured.html")
    probe.write_text(
        page.read_text()
        + "<script>window.addEventListener('load',()=>setTimeout(()=>{document.body.setAttribute("
        + "'data-scroll',document.documentElement.scrollWidth+'/'+document.documentElement.clientWidth)},500))"
        + "</script>"
    )
    dom = rendered(probe, tmp_path)
    shown = text(dom)
    problems = results["problems"]
    assert f"Failed: {len(problems)} problems" in shown
    assert shown.index("Failed:") < shown.index("Problems, most severe first") < shown.index("Findings by check")
    titles = re.findall(r'class="vc-problem-title">([^<]+)<', dom)
    assert titles == [p["title"] for p in problems]
    assert problems[0]["severity"] == "critical" and "credentials" in problems[0]["title"]
    scroll, client = map(int, re.search(r'data-scroll="(\d+)/(\d+)"', dom).groups())
    assert scroll <= client, "the page scrolls sideways at 1280 px"


def test_run_report_shows_counts_check_and_repro(reports, tmp_path):
    dom = rendered(reports / "broken" / "report.html", tmp_path)
    shown = text(dom)
    count = re.search(r'id="vc-findings-count">(\d+)<', dom)
    assert count and int(count.group(1)) >= 2
    assert "error_envelope" in shown
    assert "curl -sS -X GET" in shown  # a repro a person can copy
    assert "${VOIPBIN_TOKEN}" in shown or "Authorization" not in shown
    assert "test_operation[GET /tags]" in shown  # the results table, which only JavaScript fills
    assert re.search(r"\b[1-9]\d* Failed\b", shown)


def test_clean_report_says_no_findings(reports, tmp_path):
    shown = text(rendered(reports / "clean" / "report.html", tmp_path))
    assert "Passed: no problem found" in shown
    assert "No findings." in shown and "Findings: 0" in shown
    assert "Seed: 9" in shown


def test_regression_report_shows_what_is_new(reports, tmp_path):
    dom = rendered(reports / "diff" / "regression.html", tmp_path)
    new = re.search(r'id="vc-new-count">(\d+)<', dom)
    assert new and int(new.group(1)) >= 2
    assert re.search(r'id="vc-fixed-count">0<', dom)
    assert "error_envelope" in text(dom) and "curl -sS" in text(dom)


@pytest.mark.parametrize("page", ["many/report.html", "clean/report.html", "diff/regression.html"])
def test_every_visible_text_meets_wcag_aa_contrast_and_nothing_scrolls_sideways(reports, tmp_path, page):
    seen = measured(reports / page, tmp_path)
    pairs = seen["contrast"]
    assert sum(pair["nodes"] for pair in pairs.values()) > 50  # it measured the page, details opened
    low = {colours: pair for colours, pair in pairs.items() if pair["ratio"] < AA}
    assert low == {}, "text below 4.5:1 (colour on background: ratio, nodes, sample)"
    assert seen["scrollWidth"] <= seen["innerWidth"], "the page scrolls sideways at 1280 px"


def test_the_verdict_comes_first_and_pytest_htmls_environment_last(reports, tmp_path):
    seen = measured(reports / "many" / "report.html", tmp_path)
    assert seen["verdictTop"] < 120, "the verdict sits below the fold's first lines"
    assert seen["verdictTop"] < seen["resultsTop"] < seen["environmentTop"]


def test_an_opened_problem_spans_the_page_and_its_repros_break_only_at_spaces(reports, tmp_path):
    seen = measured(reports / "many" / "report.html", tmp_path)
    assert seen["problemsWidth"] >= 0.9 * seen["innerWidth"]
    assert seen["problemBodyWidth"] >= 0.95 * seen["problemsWidth"]
    repros = seen["repros"]
    assert repros["wrapped"] > 0, "no repro long enough to wrap: the test shows nothing"
    assert repros["broken"] == [], "tokens broken across lines"
    assert seen["copy"]["visible"] and seen["copy"]["copied"] == seen["copy"]["shown"]
    assert "${VOIPBIN_TOKEN}" in (reports / "many" / "report.html").read_text()


def test_a_token_wider_than_its_box_scrolls_in_the_box_not_the_page(tmp_path):
    url = "http://127.0.0.1:8000/v1.0/calls?" + "&".join(f"p{n}=" + "v" * 30 for n in range(60))
    words = " ".join(f"-H 'X-Header-{n}: value-{n}'" for n in range(40))
    command = f'curl -sS -X GET -H "Authorization: Bearer ${{VOIPBIN_TOKEN}}" {words} {url}'
    path = tmp_path / "repro.html"
    path.write_text(static_html.page("repro", repro_html(command)))
    seen = measured(path, tmp_path)
    assert seen["scrollWidth"] <= seen["innerWidth"]
    assert seen["repros"]["wrapped"] == 1 and seen["repros"]["broken"] == []
    assert seen["repros"]["scrolling"] == 1  # the 2 KB URL scrolls inside its box
    assert seen["repros"]["tokens"] == len(command.split())
