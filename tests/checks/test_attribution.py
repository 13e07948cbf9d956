"""Is it the spec or the server? A finding says which one to fix, read from the operation's own declaration; a
problem says what most of its findings say, and the reports group problems by it."""

from __future__ import annotations

import pytest

from conformance.checks import SERVER, SILENT, SPEC, Fail, attribute
from conformance.openapi import load_spec
from conformance.results.problems import group
from tests._servers import write_spec
from tests.checks.test_responses import ctx, exchange

_JSON = {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}
_PROBLEM = {"application/problem+json": {"schema": {"type": "object", "properties": {"title": {"type": "string"}}}}}
_ENVELOPE = {
    "application/json": {
        "schema": {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
    }
}


@pytest.fixture
def declared(tmp_path):
    responses = {
        "200": {"description": "ok", "content": _JSON},
        "204": {"description": "a bare answer"},
        "400": {"description": "bad", "content": _ENVELOPE},
        "422": {"description": "unprocessable", "content": _PROBLEM},
        "307": {"description": "elsewhere", "content": _JSON},  # no Location header declared
    }
    paths = {"/things/{id}": {"get": {"responses": responses}}, "/ws": {"get": {"responses": {}}}}
    return load_spec(write_spec(tmp_path / "spec.json", paths))


@pytest.mark.parametrize(
    ("check", "status", "by"),
    [
        ("json_response", 200, SERVER),  # the spec declares JSON: the server's text/plain is the server's
        ("json_response", 204, SPEC),  # the spec declares it without a body, the docs say JSON
        ("json_response", 418, SILENT),  # the spec says nothing of 418
        ("error_envelope", 400, SERVER),  # the spec declares the envelope for 400
        ("error_envelope", 422, SPEC),  # the spec declares problem+json for 422: fix the spec
        ("status_code", 418, SILENT),
        ("unknown_resource_404", 200, SILENT),  # the spec declares no 404 here
        ("malformed_id_rejected", 200, SERVER),  # it declares 400
        ("server_error", 500, SERVER),
        ("http_semantics", 204, SERVER),  # HTTP's own rule
        ("http_semantics", 307, SPEC),  # a redirect the spec itself declares without Location
        ("live_delete_sentinel", 200, SILENT),  # the spec's schema says nothing of the sentinel
        ("unknown_route_envelope", 200, SILENT),
    ],
)
def test_each_finding_says_which_one_to_fix(declared, check, status, by):
    fail = Fail("x", "k", exchange("GET /things/{id}", status, {"a": 1}))
    assert attribute(check, ctx(declared, "GET /things/{id}"), fail).by == by


def test_a_500_on_an_operation_that_declares_no_response_is_the_specs(declared):
    """Prism answers 500 NO_RESPONSE_RESPONSE_DEFINED where the spec declares no response (2026-01-15's GET /ws)."""
    fail = Fail("x", "k", exchange("GET /ws", 500, {"a": 1}))
    assert attribute("server_error", ctx(declared, "GET /ws"), fail).by == SPEC
    assert attribute("server_error", ctx(declared, "GET /things/{id}"), fail).by == SERVER


def test_a_problem_says_what_most_of_its_findings_say():
    findings = [
        {"check": "json_response", "operation": f"GET /{n}", "key": "body-not-json", "status": 200, "fingerprint": n,
         "attribution": {"by": SERVER if n != "c" else SILENT, "why": f"why {n}"}}
        for n in "abc"
    ]  # fmt: skip
    (problem,) = group(findings, 3)
    assert problem["attribution"] == {"by": SERVER, "why": "why a", "findings": {SERVER: 2, SILENT: 1}}


def test_a_run_attributes_every_problem_and_the_report_groups_by_it(tmp_path):
    from tests.engine.test_cli import cli

    args = ("run", "--mock-fault", "json_as_text_plain", "--mock-fault", "undocumented_status", "--seed", "3")
    result = cli(*args, "--max-examples", "2", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-2000:]
    import json

    problems = json.loads((tmp_path / "out" / "results.json").read_text())["problems"]
    assert problems and all(p["attribution"]["by"] in (SERVER, SPEC, SILENT) for p in problems)
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Fix the server: the spec promises it" in page
    assert "| fix |" in (tmp_path / "out" / "summary.md").read_text()
