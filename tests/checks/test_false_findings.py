"""What a target following its docs does is no finding: a documented bare status, a null optional body, a body in
the operation's own media type (and the 415 to one that is not). Each rule stays silent on the conformant target and
still fires on the broken one."""

from __future__ import annotations

import json

import pytest

from conformance.checks import CHECKS, Exchange
from conformance.client.client import EngineClient
from conformance.results.finding import Recorder
from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.conftest import real_spec, run_in_process

TOKEN = "any-token-will-do"


def _exchange(label: str, status: int, body: bytes = b"", content_type: str = "") -> Exchange:
    method, path = label.split(" ", 1)
    headers = {"content-type": content_type} if content_type else {}
    return Exchange(label, method, f"http://x{path}", {}, None, status, headers, body)


def _fails(runtime, check: str, exchange: Exchange) -> list:
    ctx = EngineClient(runtime, Recorder()).context(exchange.operation)
    spec = CHECKS[check]
    return spec.run(ctx, exchange) if spec.judges(ctx, exchange) else []


@pytest.mark.realspec
def test_a_bare_400_the_docs_promise_is_neither_not_json_nor_outside_the_envelope(make_runtime):
    """auth_overview-2026-08-22: the /auth handlers answer a bare 400 with an empty body. Elsewhere an empty 400
    is still not the envelope, and on /auth a 400 with a body that is not JSON still is not JSON."""
    runtime = make_runtime(spec=str(real_spec("2026-08-22")), profile="voipbin-2026-08")
    bare = _exchange("POST /auth/signup", 400)
    for check in ("json_response", "error_envelope"):
        assert _fails(runtime, check, bare) == []
    elsewhere = _exchange("POST /tags", 400)
    assert _fails(runtime, "error_envelope", elsewhere)
    html = _exchange("POST /auth/signup", 400, b"<html>bad</html>", "text/html")
    assert _fails(runtime, "json_response", html)
    # "not the JSON error envelope", the docs say of these 400s: a JSON body there is not held to it (Prism's)
    prisms = _exchange("POST /auth/signup", 400, b'{"type": "x", "title": "bad"}', "application/json")
    assert _fails(runtime, "error_envelope", prisms) == [] and _fails(runtime, "error_envelope", html) == []


_BODY = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}}}
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": _BODY}}}}
_OPTIONAL_BODY = {
    "/tags": {"post": {"requestBody": {"content": {"application/json": {"schema": _BODY}}}, "responses": _OK}}
}


def _go_binding(lenient: bool):
    """A Go (encoding/json) handler: a body of null binds to the zero value (200), any other wrong type is a 400;
    `lenient`: it also takes a body of the wrong type (a number), which breaks the schema."""

    def app(environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ...
        fine = body is None or (
            isinstance(body, dict) and isinstance(body.get("name", ""), str) and len(body.get("name", "")) <= 10
        )
        if fine or (lenient and isinstance(body, int | float) and not isinstance(body, bool)):
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"name": "x"}']
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "invalid_argument", "message": "bad body"}']

    return app


@pytest.mark.http
@pytest.mark.parametrize(("lenient", "fires"), [(False, False), (True, True)])
def test_a_null_optional_body_is_not_invalid_input(make_runtime, tmp_path, lenient, fires):
    spec = write_spec(tmp_path / "spec.json", _OPTIONAL_BODY)
    with serve(_go_binding(lenient)) as url:
        runtime = make_runtime(
            spec=spec, base_url=url, token=TOKEN, allow_writes=True, checks=("invalid_input_rejected",)
        )
        outcome = run_in_process(runtime, stateful=False)
    accepted = [f for f in outcome.findings if f["check"] == "invalid_input_rejected"]
    assert bool(accepted) is fires, outcome.describe()
    assert not any("null" in (f["request"].get("body") or "") and "the body" in f["message"] for f in accepted)


_UPLOAD_BODY = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
_UPLOAD = {
    "/files": {
        "post": {
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _UPLOAD_BODY}}},
            "responses": _OK,
        }
    }
}


def _uploads(refuses_multipart: bool):
    """A multipart-only upload: 401 without the token, 415 to anything but multipart/form-data; `refuses_multipart`:
    it answers 415 to multipart too (an undocumented status on the operation's own media type)."""

    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        authorized = TOKEN in environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", "")
        multipart = environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        if not authorized:
            status = "401 Unauthorized"
        elif environ["REQUEST_METHOD"] != "POST":  # a method the path does not serve: the unknown route's 404
            status = "404 Not Found"
        elif multipart and not refuses_multipart:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"name": "x"}']
        else:
            status = "415 Unsupported Media Type"
        start_response(status, [("Content-Type", "application/json")])
        return [b'{"error": "refused", "message": "no"}']

    return app


@pytest.mark.http
@pytest.mark.parametrize("refuses_multipart", [False, True])
def test_a_multipart_only_operation_is_sent_multipart(make_runtime, tmp_path, refuses_multipart):
    spec = write_spec(tmp_path / "spec.json", _UPLOAD)
    with serve(_uploads(refuses_multipart)) as url:
        outcome = run_in_process(make_runtime(spec=spec, base_url=url, token=TOKEN, allow_writes=True), stateful=False)
    undocumented = [f for f in outcome.findings if f["check"] == "status_code"]
    assert bool(undocumented) is refuses_multipart, outcome.describe()
    assert outcome.by_check["malformed_json_rejected"] == 0  # it takes no JSON: nothing to malform
    if not refuses_multipart:
        assert outcome.findings == [], outcome.describe()


@pytest.mark.realspec
def test_an_empty_answer_the_spec_declares_without_a_body_is_noted_not_found(make_runtime):
    """DELETE /calls/{id}/hold declares 200 with no content (POST /activeflows its 400): an empty answer follows
    the spec, and the run says the docs disagree. An empty 200 where the spec declares a JSON body is still not JSON."""
    runtime = make_runtime(spec=str(real_spec("2026-01-15")))
    client = EngineClient(runtime, Recorder())
    held = client.context("DELETE /calls/{id}/hold")
    assert CHECKS["json_response"].run(held, _exchange("DELETE /calls/{id}/hold", 200)) == []
    refused = client.context("POST /activeflows")  # its 400 is declared without content too
    for check in ("json_response", "error_envelope"):
        assert CHECKS[check].run(refused, _exchange("POST /activeflows", 400)) == []
    assert any("spec conflict" in note for note in client.recorder.notes)
    assert _fails(runtime, "json_response", _exchange("GET /tags", 200))


def test_a_415_is_excused_only_for_a_body_in_a_media_type_the_operation_does_not_declare(make_runtime):
    runtime = make_runtime()
    client = EngineClient(runtime, Recorder())

    def status_code(headers: dict[str, str], body: bytes | None) -> list:
        exchange = Exchange("POST /tags", "POST", "http://x/tags", headers, body, 415, {}, b"")
        return CHECKS["status_code"].run(client.context("POST /tags"), exchange)

    assert status_code({"Content-Type": "text/plain"}, b"{}") == []  # the content_type_enforced probe's
    assert status_code({}, None) == []  # its required body left out: no media type it declares
    assert status_code({"Content-Type": "application/json"}, b"{}")  # its own media type refused
    get = Exchange("GET /tags", "GET", "http://x/tags", {}, None, 415, {}, b"")
    assert CHECKS["status_code"].run(client.context("GET /tags"), get)  # it takes no body: no media type to refuse


_STREAM = {
    "/conferences": {"get": {"responses": LIST_RESPONSES}},  # where the ids that exist come from
    "/conferences/{id}/media_stream": {
        "get": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                {
                    "name": "encapsulation",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": "mediasocket",
                },
            ],
            "responses": {"200": {"description": "ok"}, "400": {"description": "bad"}, "404": {"description": "no"}},
        }
    },
}


def _streams(environ, start_response):
    """Go reads an empty query value as none: a required one left empty is a 400; an unknown conference a 404."""
    from urllib.parse import parse_qs

    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ["PATH_INFO"].rstrip("/").endswith("/conferences"):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"result": [], "next_page_token": ""}']
    status = "400 Bad Request" if not (query.get("encapsulation") or [""])[0] else "404 Not Found"
    start_response(status, [("Content-Type", "application/json")])
    return [b'{"error": "no", "message": "no"}']


@pytest.mark.http
def test_a_required_query_value_the_spec_offers_is_sent_with_the_id_probes(make_runtime, tmp_path):
    """Prism audit (2026-08-22): the id probes went out with ?encapsulation= (drawn empty), so an unknown id was a
    400 and 'not a 404'; the spec offers the example mediasocket, which the valid example now carries."""
    spec = write_spec(tmp_path / "spec.json", _STREAM)
    with serve(_streams) as url:
        runtime = make_runtime(spec=spec, base_url=url, token=TOKEN, checks=("unknown_resource_404",))
        outcome = run_in_process(runtime, stateful=False)
    judged = sum(r.tallies.get("unknown_resource_404", [0, 0])[0] for r in outcome.recorders)
    assert judged and outcome.by_check["unknown_resource_404"] == 0, outcome.describe()


_MESSAGES = {
    "/aimessages": {
        "get": {
            "parameters": [{"name": "aicall_id", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": LIST_RESPONSES,
        }
    }
}


def _messages(environ, start_response):
    """Validates its query before it looks at credentials: an empty required value is a 400 to anyone."""
    from urllib.parse import parse_qs

    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if not (query.get("aicall_id") or [""])[0]:
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "bad", "message": "aicall_id"}']
    if TOKEN not in environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", ""):
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"error": "unauthorized", "message": "no"}']
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"result": [], "next_page_token": ""}']


@pytest.mark.http
def test_a_required_query_value_with_nothing_offered_is_sent_plain(make_runtime, tmp_path):
    """Prism re-run: the no-credentials probe went out with ?aicall_id= (drawn empty, no example in the spec), met
    a 400 for the parameter, and the operation was 'not refused' on the wrong evidence."""
    spec = write_spec(tmp_path / "spec.json", _MESSAGES)
    with serve(_messages) as url:
        runtime = make_runtime(spec=spec, base_url=url, token=TOKEN, checks=("auth_missing_rejected",))
        outcome = run_in_process(runtime, stateful=False)
    judged = sum(r.tallies.get("auth_missing_rejected", [0, 0])[0] for r in outcome.recorders)
    assert judged and outcome.by_check["auth_missing_rejected"] == 0, outcome.describe()
