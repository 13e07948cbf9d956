"""A budget decides depth, never coverage: under --max-time or --max-requests every operation gets its probes, its
first boundary cases and a first generated case before any gets more, the sequences come next, depth last; and a
kind of request the target never answers costs a few operations' timeouts, not every operation's."""

from __future__ import annotations

import json

import pytest

from conformance.client.client import SILENT_AFTER, SILENT_KIND_AFTER
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_cli import assert_one_line_error, cli


def _summary(tmp_path, name):
    return json.loads((tmp_path / name / "results.json").read_text())["summary"]


def test_a_request_budget_judges_every_operation_and_says_how_deep_it_went(tmp_path):
    result = cli("run", "--max-requests", "2000", "--seed", "5", "--report-dir", "out", cwd=tmp_path)
    summary = _summary(tmp_path, "out")
    assert result.returncode == 0, result.stdout[-2000:]
    assert summary["operations_tested"] == 56 and summary["complete"] is True
    assert 0 < summary["depth"]["full"] < summary["depth"]["total"] == 56
    assert summary["verdict"]["headline"] == "Passed: no problem found in what was judged"
    assert any(reason.startswith("depth: ") for reason in summary["verdict"]["reasons"])
    assert "follows every checked convention" not in result.stdout


def test_a_budget_spent_before_every_operation_was_tried_is_incomplete(tmp_path):
    result = cli("run", "--max-requests", "300", "--seed", "5", "--report-dir", "out", cwd=tmp_path)
    summary = _summary(tmp_path, "out")
    assert result.returncode == 2, result.stdout[-2000:]
    assert summary["complete"] is False and summary["operations_tested"] < 56
    assert summary["verdict"]["headline"].startswith("Incomplete: ")
    assert "--max-requests budget is spent" in summary["verdict"]["headline"]


def test_a_fault_a_sequence_shows_is_caught_within_the_budget(tmp_path):
    """The sequences run before depth: a budget that cuts depth still walks every list."""
    args = ("run", "--max-requests", "2000", "--seed", "5", "--mock-fault", "token_loops", "--report-dir", "out")
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    assert {p["check"] for p in json.loads((tmp_path / "out" / "results.json").read_text())["problems"]} == {
        "pagination"
    }


def test_a_failed_run_cut_in_depth_says_how_deep_it_went(tmp_path):
    """Sweep: a budgeted run with findings said only 'Failed: …', not that the budget cut its depth (so fewer findings
    than a full run): the 'depth: …' reason was a passed run's alone."""
    args = ("run", "--max-requests", "250", "--seed", "1", "--max-examples", "2", "--include", "/agents")
    result = cli(*args, "--mock-fault", "ids_not_uuid", "--report-dir", "out", cwd=tmp_path)
    summary = _summary(tmp_path, "out")
    assert result.returncode == 1 and summary["complete"] is True, result.stdout[-2000:]
    assert summary["depth"]["full"] < summary["depth"]["total"]
    assert any(reason.startswith("depth: ") for reason in summary["verdict"]["reasons"]), summary["verdict"]
    assert "depth: " in result.stdout


def test_a_worker_spending_its_share_is_a_spent_budget_not_an_interrupt(tmp_path):
    """Sweep: with --workers 2, the worker that spent its share of --max-requests reached the controller as an
    interrupt: 'Incomplete: … (interrupted)', exit 2, for a run cut only in depth (complete with one worker)."""
    # well below the 200-286 requests the selection needs with --workers 2 (300 was, before --auth-probes spread)
    args = ("run", "--max-requests", "120", "--seed", "1", "--max-examples", "2", "--include", "/agents")
    result = cli(*args, "--workers", "2", "--report-dir", "out", cwd=tmp_path)
    summary = _summary(tmp_path, "out")
    assert summary["interrupted"] is False and "interrupted" not in result.stdout, result.stdout[-1500:]
    assert summary["stopped"].startswith("budget spent: ")
    if summary["complete"]:  # the first pass and the sequences ran: only depth was cut
        assert result.returncode == 0 and summary["depth"]["full"] < summary["depth"]["total"]
    else:
        assert result.returncode == 2 and "budget spent" in summary["verdict"]["headline"]


def test_the_requests_a_budgeted_run_reports_are_the_ones_it_sent(tmp_path):
    """Sweep: '--max-requests 200' reported '201 requests': each test that met the spent budget counted the request
    it never sent."""
    args = ("run", "--max-requests", "200", "--seed", "1", "--max-examples", "2", "--include", "/agents")
    result = cli(*args, "--record-har", "run.har", "--report-dir", "out", cwd=tmp_path)
    sent = [e for e in json.loads((tmp_path / "run.har").read_text())["log"]["entries"] if e["comment"] != "clean-up"]
    assert _summary(tmp_path, "out")["cases"] == len(sent) <= 200, result.stdout[-1500:]


def test_a_request_budget_the_preflight_spends_says_so_not_max_time(tmp_path):
    """Sweep: --max-requests 1 ended as '--max-time ran out … (0s of 429 Retry-After waits)', naming an option not
    given and waits that never happened."""
    result = cli("run", "--max-requests", "1", "--include", "^GET /agents$", "--report-dir", "out", cwd=tmp_path)
    assert_one_line_error(result, "--max-requests 1 is spent before the run starts", "raise --max-requests")
    assert "--max-time" not in result.stderr


def test_a_run_without_a_budget_has_no_second_pass(tmp_path):
    result = cli("run", "--include", "^GET /tags", "--max-examples", "2", "--report-dir", "out", cwd=tmp_path)
    summary = _summary(tmp_path, "out")
    assert result.returncode == 0, result.stdout[-2000:]
    assert summary["depth"] is None and summary["complete"] is True


class _NeverAnswersNonJson(MockApp):
    """Stoplight Prism's habit: a request body that is not JSON is never answered, on any operation."""

    hung: list[str] = []

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        import time

        if body:
            try:
                json.loads(body)
            except ValueError:
                self.hung.append(f"{method} {path.removeprefix('/v1.0')}")
                time.sleep(2)
        return super().handle(method, path, query, headers, body)


def test_a_kind_of_request_the_target_never_answers_costs_a_few_operations(tmp_path, bundled):
    app = _NeverAnswersNonJson(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    app.hung = []
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        result = cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--include", "^POST /", "--allow-writes",
            "--max-examples", "2", "--request-timeout", "0.3", "--checks", "malformed_json_rejected,server_error",
            "--report-dir", "out", cwd=tmp_path, env={"VOIPBIN_TOKEN": app.customers[0].token},
        )  # fmt: skip
    finally:
        server.shutdown()
    summary = _summary(tmp_path, "out")
    posts = len(summary["operations"])
    assert result.returncode == 1, result.stdout[-2000:]
    assert posts > 2 * SILENT_KIND_AFTER, posts
    assert len(set(app.hung)) == SILENT_KIND_AFTER and len(app.hung) <= SILENT_KIND_AFTER * SILENT_AFTER, app.hung
    withheld = [item for item in summary["not_judged"] if item.startswith("not sent to POST /")]
    assert len(withheld) >= (posts - SILENT_KIND_AFTER) // 2, summary["not_judged"]  # those that send one at all
    assert not {item.split(":")[0].removeprefix("not sent to ") for item in withheld} & set(app.hung)
    assert "answered no request with a body that is not JSON" in withheld[0]


class _SomeOperationsHang(MockApp):
    """Every request to /activeflows and /agents hangs past the deadline; /calls answers everything."""

    hung: set[str] = set()

    def handle(self, method, path, query, headers, body):  # type: ignore[no-untyped-def]
        import time

        bare = path.removeprefix("/v1.0")
        if bare.startswith(("/activeflows", "/agents")):
            self.hung.add(f"{method} {bare}")
            time.sleep(1)
        return super().handle(method, path, query, headers, body)


def test_operations_that_hang_on_everything_withhold_nothing_from_those_that_answer(tmp_path, bundled):
    """Sweep: three operations hanging on every request (ahead of the others in the order) made their kind look
    never answered, and /calls, which answers, was sent no request without a body at all."""
    app = _SomeOperationsHang(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    app.hung = set()
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--include", "/(activeflows|agents|calls)",
            "--max-examples", "2", "--seed", "1", "--request-timeout", "0.3", "--max-requests", "600",
            "--allow-writes", "--report-dir", "out", cwd=tmp_path,
            env={"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_OTHER_TOKEN": app.customers[1].token},
        )  # fmt: skip
    finally:
        server.shutdown()
    summary = _summary(tmp_path, "out")
    withheld = [item for item in summary["not_judged"] if item.startswith("not sent to ")]
    assert not [item for item in withheld if "/calls" in item.split(":")[0]], withheld
    assert "GET /calls" not in summary["reach"]["never_2xx"], summary["reach"]


def test_a_budget_spent_among_the_boundary_cases_ends_the_test_cut():
    """The boundary cases' guard against a schema the coverage phase cannot walk caught the budget's end too: a depth
    pass cut there counted as run to its end, and the run said every operation got all its cases."""
    import schemathesis
    from schemathesis import GenerationMode

    from conformance.client.bounded import RunBudgetSpent
    from conformance.engine._generation import DEPTH, _boundaries

    class Spent:
        def send_case(self, case, purpose):
            raise RunBudgetSpent("the --max-requests budget is spent")

    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/tags": {"post": _BODY_OPERATION}},
    }
    operation = next(iter(schemathesis.openapi.from_dict(document).get_all_operations())).ok()
    with pytest.raises(RunBudgetSpent):
        _boundaries(Spent(), operation, _Post(), [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], range(200))
    assert DEPTH.boundaries().start > 0


class _Post:
    method = "POST"


_BODY_OPERATION = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}},
    },
    "responses": {"200": {"description": "ok"}},
}


def test_a_budgeted_run_sends_each_operation_as_many_distinct_draws_as_a_whole_run(tmp_path):
    """Hypothesis starts every run from the simplest case, whatever the seed: the depth pass's first draw was the
    breadth pass's case again, sent twice, and a budgeted run sent one random draw an operation fewer."""
    include = ("--include", "^(GET|POST) /agents$", "--max-examples", "3", "--seed", "2")
    for name, budget in (("whole", ()), ("budgeted", ("--max-requests", "100000"))):
        cli("run", *include, *budget, "--record-har", f"{name}.har", "--report-dir", name, cwd=tmp_path)
    drawn = {}
    for name in ("whole", "budgeted"):
        entries = json.loads((tmp_path / f"{name}.har").read_text())["log"]["entries"]
        sent = [
            (e["request"]["method"], e["request"]["url"], (e["request"].get("postData") or {}).get("text"))
            for e in entries
            if "generated case" in e.get("comment", "")
        ]
        assert len(sent) == len(set(sent)), f"{name}: a generated case sent twice"
        drawn[name] = len(sent)
    assert drawn["budgeted"] == drawn["whole"] == 6


def test_a_repeat_on_the_wire_is_a_repeat_whatever_the_python_type_of_a_query_value():
    """Outgoing.identity compares repr() of query values: page_size=1 (a generated case, int) and page_size='1' (a
    boundary case, str) go out as the same bytes, yet both were sent (seed 1, default job: GET /accesskeys?page_size=1
    twice, generated then boundary, same headers)."""
    from conformance.client._outgoing import Outgoing

    url = "http://127.0.0.1:8000/v1.0/accesskeys"
    a = Outgoing("GET /accesskeys", "GET", url, {"page_size": 1}, {"Authorization": "Bearer t"}, None, "p")
    b = Outgoing("GET /accesskeys", "GET", url, {"page_size": "1"}, {"Authorization": "Bearer t"}, None, "p")
    assert a.identity == b.identity
