"""Each lint rule fires on a tiny spec breaking its convention, at the node to edit, and stays silent on one that
follows every convention."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.lint import RULES, lint
from conformance.profiles import load_profile
from tests.lint._specs import parts, write

Files = dict[str, dict[str, Any]]


def _lint(tmp_path, files: Files, profile: str = "voipbin-2026-08") -> list[dict[str, Any]]:
    return lint(str(write(tmp_path, files)), load_profile(profile)).findings


def test_a_conforming_spec_has_no_finding(tmp_path):
    assert _lint(tmp_path, parts()) == []


def test_every_rule_is_declared_with_its_doc_and_severity():
    for rule in RULES.values():
        assert (
            rule.id.startswith("spec_")
            and rule.doc
            and rule.problem
            and rule.severity in ("critical", "high", "medium")
        )


def _no_schemes(f: Files) -> None:
    del f["openapi.yaml"]["components"]["securitySchemes"]


def _no_401(f: Files) -> None:
    del f["paths/call.yaml"]["get"]["responses"]["401"]


def _no_responses(f: Files) -> None:
    f["paths/call.yaml"]["get"]["responses"] = {}


def _only_errors(f: Files) -> None:
    del f["paths/call.yaml"]["get"]["responses"]["200"]


def _websocket_200(f: Files) -> None:
    get = f["paths/call.yaml"]["get"]
    get["description"] = "A WebSocket endpoint."
    get["responses"]["200"] = {"description": "connected"}


def _no_content(f: Files) -> None:
    f["paths/call.yaml"]["delete"]["responses"]["200"] = f["paths/call.yaml"]["delete"]["responses"].pop("204")


def _no_429(f: Files) -> None:
    del f["paths/calls.yaml"]["get"]["responses"]["429"]


def _bad_envelope(f: Files) -> None:
    del f["openapi.yaml"]["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["properties"]["request_id"]


def _nested_error(f: Files) -> None:
    schemas = f["openapi.yaml"]["components"]["schemas"]
    schemas["ErrorBody"] = schemas["ErrorResponse"]["properties"].pop("error")
    schemas["ErrorResponse"]["properties"]["error"] = {"$ref": "#/components/schemas/ErrorBody"}
    del schemas["ErrorBody"]["properties"]["reason"]


def _bare_error(f: Files) -> None:
    f["paths/call.yaml"]["get"]["responses"]["404"] = {"description": "not found"}


def _no_next_token(f: Files) -> None:
    f["openapi.yaml"]["components"]["schemas"]["CommonPagination"]["properties"] = {}


def _bare_array(f: Files) -> None:
    media = f["paths/calls.yaml"]["get"]["responses"]["200"]["content"]["application/json"]
    media["schema"] = {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}


def _no_page_token(f: Files) -> None:
    f["paths/calls.yaml"]["get"]["parameters"].pop()


def _id_integer(f: Files) -> None:
    f["openapi.yaml"]["components"]["schemas"]["Call"]["properties"]["id"] = {"type": "integer"}


def _tm_date(f: Files) -> None:
    f["openapi.yaml"]["components"]["schemas"]["Call"]["properties"]["tm_create"]["format"] = "date"


def _secret_on_reads(f: Files) -> None:
    call = f["openapi.yaml"]["components"]["schemas"]["Call"]["properties"]
    call["token"] = {"type": "string", "description": "The token. Only returned once at creation time."}


def _numbers(f: Files, statuses: tuple[str, ...]) -> None:
    f["openapi.yaml"]["paths"]["/numbers"] = {"$ref": "./paths/numbers.yaml"}
    answers = {code: {"$ref": "#/components/responses/Error"} for code in statuses}
    created = {
        "description": "made",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}},
    }
    f["paths/numbers.yaml"] = {"post": {"responses": {"200": created, **answers}}}


def _id_open(f: Files) -> None:
    del f["paths/call.yaml"]["parameters"][0]["schema"]["format"]  # path-level: GET and DELETE share it


def _no_402(f: Files) -> None:
    _numbers(f, ("400", "401", "429"))


BREAKS: list[tuple[Callable[[Files], None], str, str, str]] = [
    # (how the spec is broken, the rule that must fire, the operation it is reported on, the file it is in)
    (_no_schemes, "spec_security_declared", "#/components", "openapi.yaml"),
    (_no_401, "spec_unauthenticated_documented", "GET /calls/{id}", "paths/call.yaml"),
    (_no_responses, "spec_operation_responses", "GET /calls/{id}", "paths/call.yaml"),
    (_only_errors, "spec_operation_responses", "GET /calls/{id}", "paths/call.yaml"),
    (_no_content, "spec_response_content", "DELETE /calls/{id}", "paths/call.yaml"),
    (_websocket_200, "spec_response_content", "GET /calls/{id}", "paths/call.yaml"),
    (_no_429, "spec_rate_limit_documented", "GET /calls", "paths/calls.yaml"),
    (_bad_envelope, "spec_error_envelope", "#/components/schemas/ErrorResponse", "openapi.yaml"),
    (_nested_error, "spec_error_envelope", "#/components/schemas/ErrorBody", "openapi.yaml"),
    (_bare_error, "spec_error_envelope", "GET /calls/{id}", "paths/call.yaml"),
    (_no_next_token, "spec_list_envelope", "#/components/schemas/CommonPagination", "openapi.yaml"),
    (_bare_array, "spec_list_envelope", "GET /calls", "paths/calls.yaml"),
    (_no_page_token, "spec_page_params", "GET /calls", "paths/calls.yaml"),
    (_id_integer, "spec_field_formats", "#/components/schemas/Call", "openapi.yaml"),
    (_tm_date, "spec_field_formats", "#/components/schemas/Call", "openapi.yaml"),
    (_secret_on_reads, "spec_secret_returned_once", "#/components/schemas/Call", "openapi.yaml"),
    (_no_402, "spec_documented_statuses", "POST /numbers", "paths/numbers.yaml"),
    (_id_open, "spec_id_param_format", "GET /calls/{id}", "paths/call.yaml"),
]


@pytest.mark.parametrize(("brk", "rule", "operation", "file"), BREAKS, ids=[b[0].__name__ for b in BREAKS])
def test_each_rule_fires_once_where_the_defect_is(tmp_path, brk, rule, operation, file):
    files = parts()
    brk(files)
    findings = [f for f in _lint(tmp_path, files) if f["check"] == rule]
    assert len(findings) == 1, findings  # a shared component's defect once, however many operations use it
    finding = findings[0]
    assert (finding["operation"], finding["location"]["file"]) == (operation, file)
    assert finding["repro"] == f"{file}:{finding['location']['line']}"


def test_every_rule_has_a_break():
    assert {b[1] for b in BREAKS} == set(RULES)


def test_a_shared_defect_is_one_finding_with_its_line(tmp_path):
    files = parts()
    _bad_envelope(files)  # ErrorResponse answers 4 statuses on 3 operations
    root = write(tmp_path, files)
    (finding,) = lint(str(root), load_profile("voipbin-2026-08")).findings
    line = root.read_text().splitlines()[finding["location"]["line"] - 1]
    assert line.strip() == "error:", line  # the object lacking request_id: ErrorResponse's error


def test_operations_marked_public_need_no_401(tmp_path):
    files = parts()
    get = files["paths/call.yaml"]["get"]
    del get["responses"]["401"]
    get["security"] = []
    assert _lint(tmp_path, files) == []


def test_the_2026_01_profile_does_not_demand_429(tmp_path):
    files = parts()
    _no_429(files)
    assert not [f for f in _lint(tmp_path, files, "voipbin-2026-01") if f["check"] == "spec_rate_limit_documented"]


def test_ids_declared_as_plain_strings_are_not_defects(tmp_path):
    files = parts()
    del files["openapi.yaml"]["components"]["schemas"]["Call"]["properties"]["id"]["format"]
    assert _lint(tmp_path, files) == []


def test_a_named_operation_documenting_its_status_and_a_write_only_secret_are_silent(tmp_path):
    files = parts()
    _numbers(files, ("400", "401", "402", "429"))
    _secret_on_reads(files)
    files["openapi.yaml"]["components"]["schemas"]["Call"]["properties"]["token"]["writeOnly"] = True
    assert _lint(tmp_path, files) == []
