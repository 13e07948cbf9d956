"""What a run did not judge is never shown as passed; report.html stays small however many findings; console
titles are cut at a word."""

from __future__ import annotations

from conformance.config import Config
from conformance.reporting.results import Aggregator


def _results(findings: int = 0, *, silent: int = 0) -> dict:
    aggregator = Aggregator(Config(seed=1), "http://h", "s")
    aggregator.add({"kind": "operation", "operation": "GET /items", "cases": 1, "statuses": {"GET /items": [200]}})
    aggregator.tallies["json_response"] = [3, 0]
    made = []
    for n in range(findings):
        error = "no complete answer within 5s" if n < silent else None
        made.append(
            {
                "check": "server_error" if error else "json_response",
                "operation": f"GET /items{n % 300}",
                "message": ("no usable answer: " + error) if error else f"answer {n} is not JSON " + "x" * 200,
                "status": None if error else 200,
                "repro": f"curl http://h/items{n % 300}?q={n} " + "-H 'X: y' " * 20,
                "fingerprint": f"{n:016x}",
                "key": "no-answer:timeout" if error else f"content-type:text/x-{n % 7}",
                "occurrences": 1,
                "request": {},
                "response": {"error": error, "status": None if error else 200, "body": "b" * 600},
                "steps": [],
                "replay": None,
            }
        )
    aggregator.add({"kind": "operation", "operation": "GET /items", "findings": made})
    return aggregator.as_dict()


def test_a_check_that_judged_nothing_is_not_judged_everywhere_never_passed():
    from conformance.reporting import ci_summary, html

    results = _results()
    entry = results["summary"]["checks"]["malformed_json_rejected"]
    assert entry["passed"] == entry["failed"] == 0 and entry["not_judged"]
    page = "".join(html.summary_html(results))
    row = page.split("<td>malformed_json_rejected</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>not judged</td>" in row and "passed</td>" not in row.split("<td>", 2)[1]
    assert "malformed" in ci_summary.markdown(results, "r").split("Not judged", 1)[1]


def test_report_html_stays_under_its_bound_with_thousands_of_findings():
    from conformance.reporting import html
    from conformance.reporting.static_html import render_results

    results = _results(5211, silent=100)
    page = render_results(results)
    assert len(page.encode()) <= html.MAX_PAGE_BYTES
    assert "results.json has every one" in page
    section = html.bounded_summary_html(results)
    assert len(section.encode()) <= html.SECTIONS_BYTES
    unanswered = section.split('id="vc-unanswered"', 1)[1]
    assert "Requests the target did not answer (100)" in unanswered and "GET /items0" in unanswered


def test_console_titles_are_cut_at_a_word_with_an_ellipsis():
    from conformance.reporting.console import cut_at_word

    title = "A deleted resource still answers as if it were there (a deleted resource still reads and lists)"
    cut = cut_at_word(title, 60)
    assert len(cut) <= 60 and cut.endswith("…")
    assert title.startswith(cut[:-1]) and title[len(cut) - 1] == " "
    assert cut_at_word("short", 60) == "short"


def test_the_tenant_isolation_repro_is_the_other_customers_request(tmp_path):
    """The finding is about the other customer reaching the first's resource: its shortest repro carries the other
    customer's credentials, not the owner's."""
    import json

    from conformance.checks import CHECKS
    from conformance.engine import run

    check = next(c for c in CHECKS.values() if c.kind == "stateful" and "foreign_visible" in _faults_for(c.id))
    config = Config(
        seed=2,
        max_examples=1,
        include="tags",
        checks=(check.id,),
        mock_faults=("foreign_visible",),
        report_dir=str(tmp_path / "out"),
    )
    assert run(config) == 1
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    repros = [f["repro"] for f in results["findings"] if f["check"] == check.id]
    assert repros and all("VOIPBIN_OTHER_TOKEN" in repro for repro in repros), repros
    problem = next(p for p in results["problems"] if p["check"] == check.id)
    assert "VOIPBIN_OTHER_TOKEN" in problem["repro"]


def _faults_for(check: str) -> set[str]:
    from conformance.mock import FAULTS

    return {name for name, fault in FAULTS.items() if fault.check == check}
