"""The resource checks on hand-made answers: what fires, what stays silent, what folds into what."""

from __future__ import annotations

import pytest

from conformance.checks import CHECKS, Exchange, NotJudged, Request
from conformance.results.problems import group
from tests.checks.test_responses import ctx, exchange, fires

TIME = "2022-05-01 15:10:38.785510"
RESOURCE = {"id": "d9d32881-12fd-4b19-a6b2-6d5b6b6acf76", "tm_create": TIME, "tm_delete": ""}


@pytest.fixture
def spec():
    from conformance.data import bundled_spec_path
    from conformance.openapi import load_spec

    return load_spec(str(bundled_spec_path()))


@pytest.mark.parametrize(
    ("value", "fired"),
    [(TIME, False), ("2022-05-01 15:10:38.785510878", False), ("2026-13-45 25:61:61.000000", True),
     ("2022/05/01 15:10:38", True), (1651417838, True)],
)  # fmt: skip
def test_timestamps_are_real_instants_in_the_format(spec, value, fired):
    answer = exchange("GET /tags/{id}", 200, {**RESOURCE, "tm_create": value})
    assert bool(fires("timestamp_format", ctx(spec, "GET /tags/{id}"), answer)) is fired


def test_the_sentinel_is_an_instant_whatever_its_spelling(spec):
    c = ctx(spec, "GET /tags", "voipbin-2026-08")
    for spelling, fired in (("9999-01-01T00:00:00Z", False), ("9999-01-01 00:00:00.000000", False), (TIME, True)):
        answer = exchange("GET /tags", 200, {"result": [{**RESOURCE, "tm_delete": spelling}], "next_page_token": ""})
        assert bool(fires("live_delete_sentinel", c, answer)) is fired, spelling


def test_ids_are_uuids(spec):
    c = ctx(spec, "GET /tags/{id}")
    assert fires("id_format", c, exchange("GET /tags/{id}", 200, RESOURCE)) == []
    assert fires("id_format", c, exchange("GET /tags/{id}", 200, {**RESOURCE, "id": "res-1234"}))


class _OneAnswer:
    def __init__(self, answer: Exchange) -> None:
        self.answer = answer

    def send(self, operation, method, request, **_):  # type: ignore[no-untyped-def]
        return self.answer


@pytest.mark.parametrize(
    ("status", "media", "error", "key"),
    [(404, "application/json", None, None), (404, "text/plain", None, "not-json"), (None, "", "timed out", "no-answer"),
     (200, "application/json", None, "status:200")],
)  # fmt: skip
def test_an_unknown_route_is_judged_by_its_check_alone(spec, status, media, error, key):
    from conformance.openapi import Operation

    c = ctx(spec, "GET /tags")
    c.operation = Operation("GET", "/conformance-no-such-route", {}, {})
    body = {"error": "route_not_found", "message": "no such route"}
    c.client = _OneAnswer(exchange("GET /x", status, body, content_type=media, error=error))  # type: ignore[assignment]
    assert [f.key for f in CHECKS["unknown_route_envelope"].run(c)] == ([key] if key else [])


def test_a_probe_that_got_no_answer_judges_nothing(spec):
    c = ctx(spec, "GET /tags/{id}")
    c.example = Request("/tags/x")
    c.client = _OneAnswer(exchange("GET /tags/{id}", None, b"", error="no complete answer"))  # type: ignore[assignment]
    with pytest.raises(NotJudged):
        CHECKS["unknown_resource_404"].run(c)


def test_a_101_is_the_root_of_what_else_its_request_reports():
    finding = {"operation": "GET /tags/{id}", "status": 101, "response": {"error": None}, "repro": "curl"}
    findings = [
        {**finding, "check": "http_semantics", "key": "switching-unasked"},
        {**finding, "check": "status_code", "key": "status:101"},
        {**finding, "check": "unknown_resource_404", "key": "status:101"},
    ]
    problems = group(findings, 1)
    assert [p["check"] for p in problems] == ["http_semantics"]
    assert problems[0]["consequences"] == {"status_code": 1, "unknown_resource_404": 1}


def test_an_id_breaking_its_declared_format_is_one_problem_with_id_format():
    base = {"operation": "GET /tags/{id}", "status": 200, "response": {}, "repro": "curl"}
    findings = [
        {**base, "check": "id_format", "key": "id-not-uuid"},
        {**base, "check": "response_schema", "key": "schema:x/bundled/schema000001/properties/id/format"},
    ]
    problems = group(findings, 1)
    assert [p["check"] for p in problems] == ["id_format"]
    lone = group([findings[1]], 1)
    assert lone[0]["title"] == "Responses do not match the spec's schema (id breaks `format`)"


def test_a_declared_security_header_left_out_is_no_violation_the_run_sent(spec):
    from conformance.checks._input import _credential
    from conformance.checks._schemathesis import Violation

    c = ctx(spec, "GET /tags")
    assert _credential(c, Violation("required", "header", "Authorization"))
    assert not _credential(c, Violation("required", "header", "X-Request-Id"))


SECRET = "vb_a3Bf9xKmPq2nR7sT4wYzLp8mN5qR1xWe"
KEY = {**RESOURCE, "name": "n", "detail": "d", "tm_expire": TIME}


@pytest.mark.parametrize(
    ("label", "body", "fired"),
    [("GET /accesskeys/{id}", {**KEY, "token": SECRET}, True), ("GET /accesskeys/{id}", KEY, False),
     ("GET /accesskeys/{id}", {**KEY, "token": ""}, False),
     ("GET /accesskeys", {"result": [KEY, {**KEY, "token": SECRET}], "next_page_token": ""}, True),
     ("POST /accesskeys", {**KEY, "token": SECRET}, False)],  # the creation: the one answer that returns it
)  # fmt: skip
def test_a_secret_returned_once_stays_out_of_reads(spec, label, body, fired):
    c = ctx(spec, label)
    answer = exchange(label, 200 if label.startswith("GET") else 201, body)
    fails = CHECKS["secret_returned_once"].run(c, answer) if CHECKS["secret_returned_once"].judges(c, answer) else []
    assert [f.key for f in fails] == (["token"] if fired else [])
    for fail in fails:  # the finding keeps the answer, never the secret it leaked; the answer itself is untouched
        assert SECRET not in fail.message and SECRET.encode() not in fail.exchange.response_body
        assert "[REDACTED]" in fail.exchange.response_body.decode()
    assert SECRET in answer.response_body.decode() or not fired
    assert answer.json == body


def test_a_field_without_the_once_only_description_may_come_back(spec):
    c = ctx(spec, "GET /tags/{id}")
    assert fires("secret_returned_once", c, exchange("GET /tags/{id}", 200, {**RESOURCE, "token": SECRET})) == []
