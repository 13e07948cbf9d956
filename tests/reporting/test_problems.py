"""Findings grouped into problems: ranked by severity then breadth, with ids that follow a cause across runs."""

from __future__ import annotations

import json

import pytest

from conformance.checks import CHECKS, SEVERITIES
from conformance.results.problems import group
from tests.conftest import run_in_process
from tests.engine.test_cli import cli


@pytest.mark.parametrize(
    ("fault", "severity", "check"),
    [
        ("any_bearer_accepted", "critical", "auth_invalid_rejected"),
        ("server_error_on_long_strings", "high", "server_error"),
        ("error_without_message", "medium", "error_envelope"),
    ],
)
def test_each_severity_level(make_runtime, fault, severity, check):
    outcome = run_in_process(make_runtime(mock_faults=(fault,)), stateful=False)
    problems = group(outcome.findings, len(make_runtime().operations))
    mine = [p for p in problems if p["check"] == check]
    assert mine and all(p["severity"] == severity for p in mine)
    ranks = [SEVERITIES.index(p["severity"]) for p in problems]
    assert ranks == sorted(ranks)  # most severe first
    assert all(f["problem"] in {p["id"] for p in problems} for f in outcome.findings)


def test_every_check_declares_a_severity_and_a_problem():
    assert all(c.severity in SEVERITIES and c.problem for c in CHECKS.values())
    critical = {c.id for c in CHECKS.values() if c.severity == "critical"}
    assert critical == {"auth_missing_rejected", "auth_invalid_rejected", "auth_accepted", "tenant_isolation"}


def test_one_cause_is_one_problem_with_the_same_id_across_seeds(make_runtime):
    ids = []
    for seed in (1, 2):
        runtime = make_runtime(seed=seed, mock_faults=("any_bearer_accepted",))
        outcome = run_in_process(runtime, stateful=False)
        problems = group(outcome.findings, len(runtime.operations))
        auth = [p for p in problems if p["check"] == "auth_invalid_rejected"]
        assert len(auth) == 1, [p["title"] for p in auth]  # seven probe kinds, 56 operations: one cause
        assert auth[0]["operations_affected"] == len(runtime.operations)
        assert problems[0] is auth[0]
        ids.append(auth[0]["id"])
    assert ids[0] == ids[1]


def test_a_conformant_run_has_no_problem_and_a_summary_md(tmp_path):
    result = cli("run", "--seed", "3", "--max-examples", "1", "--include", "tags", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["problems"] == [] and results["summary"]["problems"] == 0
    assert "**Passed: " in (tmp_path / "out" / "summary.md").read_text()


def test_summary_md_goes_to_the_github_step_summary_with_annotations(tmp_path):
    step = tmp_path / "step.md"
    env = {"GITHUB_STEP_SUMMARY": str(step), "GITHUB_ACTIONS": "true"}
    args = ("run", "--seed", "3", "--max-examples", "1", "--include", "^GET /tags$", "--report-dir", "out")
    result = cli(*args, "--mock-fault", "any_bearer_accepted", cwd=tmp_path, env=env)
    assert result.returncode == 1
    import jsonschema

    from conformance.data import schemas_dir

    results = json.loads((tmp_path / "out" / "results.json").read_text())
    jsonschema.validate(results, json.loads((schemas_dir() / "results.schema.json").read_text()))
    assert results["problems"] and all(f["problem"] for f in results["findings"])
    assert "| 1 | critical | Invalid credentials are not refused" in step.read_text()
    assert "::error title=VoIPBIN conformance (auth_invalid_rejected)::" in result.stdout
    assert "Problems, most severe first:" in result.stdout


def test_diff_shows_a_spreading_problem_first_and_fails(tmp_path):
    fault = ("--mock-fault", "error_without_message", "--seed", "3", "--max-examples", "1")
    assert cli("run", *fault, "--include", "^GET /tags$", "--report-dir", "narrow", cwd=tmp_path).returncode == 1
    assert cli("run", *fault, "--include", "tags", "--report-dir", "wide", cwd=tmp_path).returncode == 1
    result = cli("diff", "narrow/results.json", "wide/results.json", "--report-dir", "d", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("SPREADING problem [medium] Errors are not in the documented")
    problems = json.loads((tmp_path / "d" / "regression.json").read_text())["problems"]
    assert problems["spreading"] and problems["new"] == []
    back = cli("diff", "wide/results.json", "wide/results.json", "--report-dir", "same", cwd=tmp_path)
    assert back.returncode == 0


def test_a_problem_is_fixed_only_where_every_operation_it_reached_was_retested():
    from conformance.reporting.regression import compare_problems

    gone = {"id": "p1", "check": "error_envelope", "operations": ["GET /tags", "GET /flows"]}
    partly = compare_problems([gone], [], {"GET /tags"}, {"error_envelope"})
    assert partly["fixed"] == [] and partly["not_retested"] == [gone]
    fully = compare_problems([gone], [], {"GET /tags", "GET /flows"}, {"error_envelope"})
    assert fully["fixed"] == [gone]


def test_a_consequence_whose_cause_folded_elsewhere_joins_a_cause_that_stands():
    """Prism: the unknown route's body is outside the error envelope, a consequence of error_envelope's problem; the
    first of those (bodies not JSON) is itself folded under json_response. The route's finding joins the envelope
    problem that stands; nothing points at a problem that is not there."""
    from conformance.results.problems import group

    def finding(check, operation, key, status=404):
        return {"check": check, "operation": operation, "key": key, "status": status, "fingerprint": key + operation}

    findings = [
        finding("json_response", "GET /a", "no Content-Type"),
        finding("error_envelope", "GET /a", "not-json"),
        finding("error_envelope", "GET /b", "schema:body:required"),
        finding("unknown_route_envelope", "GET /conformance-no-such-route", "not-envelope"),
    ]
    problems = group(findings, 2)
    assert sorted(p["check"] for p in problems) == ["error_envelope", "json_response"]
    envelope = next(p for p in problems if p["check"] == "error_envelope")
    assert envelope["operations"] == ["GET /b"] and envelope["consequences"] == {"unknown_route_envelope": 1}
    assert {f["problem"] for f in findings} == {p["id"] for p in problems}
    cycle = [finding("error_envelope", "GET /a", "not-json"), finding("unknown_route_envelope", "GET /r", "x")]
    ids = {p["id"] for p in group(cycle, 1)}
    assert {f["problem"] for f in cycle} <= ids


def test_a_looping_chain_and_a_store_that_loses_writes_are_one_problem_each():
    """Prism: the same page for any token is one token loop (its repeated items are the loop's); fields that do not
    read back as written are one cause, whichever field shows it."""
    from conformance.results.problems import group

    def finding(check, operation, key):
        return {"check": check, "operation": operation, "key": key, "status": 200, "fingerprint": key + operation}

    findings = [
        finding("pagination", "GET /a", "token-loop"),
        finding("pagination", "GET /a", "repeated-item"),
        finding("pagination", "GET /b", "token-loop"),
        finding("pagination", "GET /b", "repeated-item"),
        finding("resource_lifecycle", "POST /a", "field-mismatch:name"),
        finding("resource_lifecycle", "POST /b", "field-mismatch:type"),
        finding("resource_lifecycle", "POST /b", "update-lost:detail"),
    ]
    problems = group(findings, 4)
    assert sorted((p["check"], p["title"].split("(")[-1]) for p in problems) == [
        ("pagination", "token loop)"),
        ("resource_lifecycle", "what was written does not read back)"),
    ]
    # repeated items without a loop (a page_size ignored, items shifting) stand on their own
    alone = group([finding("pagination", "GET /c", "repeated-item"), finding("pagination", "GET /d", "token-loop")], 2)
    assert len(alone) == 2


@pytest.mark.parametrize(
    ("check", "key", "detail"),
    [
        ("error_envelope", "schema:body:required:message", "body lacks a required field"),
        ("error_envelope", "schema:error:type", "error has the wrong type"),
        ("list_envelope", "schema:next_page_token:type", "next_page_token has the wrong type"),
        ("json_response", "content-type:no Content-Type", "no Content-Type"),
        ("json_response", "content-type:text/html", "served as text/html"),
        ("error_envelope", "status-map:INVALID_ARGUMENT:401", "error.status INVALID_ARGUMENT on a 401"),
    ],
)
def test_titles_say_in_words_what_the_target_did(check, key, detail):
    """Prism showed "(schema body required)" and "(content type no Content Type)"."""
    from conformance.checks import CHECKS

    spec = CHECKS[check]
    assert spec.grouping(key, 400).title(spec.problem, []) == f"{spec.problem} ({detail})"


def test_fields_an_answer_must_never_carry_are_one_problem():
    """Prism, 2026-08-22: `secret`, `token` and `provider_data` (declared `not: {}` in answers) were three problems
    on the same five operations; it is one: the answer carries what the spec says it never returns."""
    from conformance.checks import CHECKS

    grouping = CHECKS["response_schema"].grouping
    kinds = {
        grouping(f"schema:x-bundled/schema000001/properties/{name}/not", 200).kind
        for name in ("secret", "token", "provider_data")
    }
    assert kinds == {"not:property"}
    assert grouping("schema:x-bundled/schema000001/properties/id/format", 200).kind == "format:id"


def test_a_format_broken_in_a_schema_of_its_own_is_the_format_checks_consequence():
    """The bundled spec declares an id as a `$ref` to a schema of its own: the schema path names no field, the
    answer's path does (without indices), and the violation folds under id_format / timestamp_format."""
    from conformance.checks import CHECKS

    grouping = CHECKS["response_schema"].grouping
    assert grouping("schema:x-bundled/schema000005/format#result[].id", 200).caused_by == ("id_format", None)
    tm = grouping("schema:x-bundled/schema000006/pattern#result[].tm_create", 200)
    assert tm.caused_by == ("timestamp_format", None) and tm.detail == "tm_create breaks `pattern`"
    item, listed = (grouping(f"schema:{where}/customer_id/type", 200) for where in ("properties", "items/properties"))
    assert item == listed  # an item's field and a list's are one cause


def test_a_broken_list_envelope_is_one_problem_whichever_check_saw_it():
    """list_without_next_page_token and result_null: list_envelope's problem, with response_schema's view of the same
    fields and pagination's short walk as its consequences, on the same operation."""
    from conformance.results.problems import group

    def finding(check, key):
        return {"check": check, "operation": "GET /tags", "key": key, "status": 200, "fingerprint": check + key}

    findings = [
        finding("list_envelope", "schema:body:required:next_page_token"),
        finding("response_schema", "schema:x-bundled/schema000001/required"),
        finding("pagination", "union-mismatch"),
        finding("list_envelope", "schema:result:type"),
        finding("response_schema", "schema:x-bundled/schema000001/properties/result/type"),
    ]
    problems = group(findings, 1)
    assert {p["check"] for p in problems} == {"list_envelope"}
    assert sum(sum(p["consequences"].values()) for p in problems) == 3


def test_a_204_with_content_is_the_cause_of_what_else_its_answers_show():
    """content_with_204: the undocumented 204 and the body read against a schema are that answer's, one problem."""
    from conformance.results.problems import group

    def finding(check, key, status=204, operation="DELETE /tags/{id}"):
        return {"check": check, "operation": operation, "key": key, "status": status, "fingerprint": check + operation}

    findings = [
        finding("http_semantics", "content-with-204"),
        finding("status_code", "status:204"),
        finding("response_schema", "schema:required"),
        finding("status_code", "status:204", operation="DELETE /flows/{id}"),  # a plain 204 elsewhere: its own
    ]
    problems = group(findings, 2)
    by_check = {p["check"]: p for p in problems}
    assert {c: p["operations"] for c, p in by_check.items()} == {
        "http_semantics": ["DELETE /tags/{id}"],
        "status_code": ["DELETE /flows/{id}"],
    }
    assert by_check["http_semantics"]["consequences"] == {"status_code": 1, "response_schema": 1}


def test_a_target_refusing_its_own_ids_as_malformed_is_the_id_format_problem():
    """ids_not_uuid: the created resource cannot be read back (400) and the other customer's read is a 400, both
    because the id is not a UUID; without an id_format problem each stands on its own."""
    from conformance.results.problems import group

    def finding(check, operation, key, status=400):
        return {"check": check, "operation": operation, "key": key, "status": status, "fingerprint": check + key}

    found = [
        finding("resource_lifecycle", "POST /tags", "read-after-create:400"),
        finding("tenant_isolation", "GET /tags/{id}", "read:400"),
    ]
    assert len(group([dict(f) for f in found], 3)) == 2
    problems = group([finding("id_format", "GET /tags", "id-not-uuid", 200), *found], 3)
    assert [p["check"] for p in problems] == ["id_format"]
    assert problems[0]["consequences"] == {"resource_lifecycle": 1, "tenant_isolation": 1}


def test_a_deleted_resource_that_still_lives_is_one_problem_read_or_listed():
    from conformance.checks import CHECKS

    grouping = CHECKS["resource_lifecycle"].grouping
    assert grouping("zombie-read", 200) == grouping("zombie-listed", 200)
