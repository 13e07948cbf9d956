"""What a schemathesis user reaches for first: choosing checks, extra headers, excluding operations, stopping
early."""

from __future__ import annotations

import json

import pytest

from tests._servers import serve
from tests.engine.test_cli import assert_one_line_error, cli


def test_an_unknown_check_id_is_one_line_with_a_suggestion(tmp_path):
    assert_one_line_error(cli("run", "--checks", "server_error,pagnation", cwd=tmp_path), "did you mean pagination?")
    assert_one_line_error(cli("run", "--exclude-checks", "nope", cwd=tmp_path), "unknown check 'nope'")


def test_checks_and_exclude_checks_choose_what_is_judged(tmp_path):
    common = ("run", "--include", "tags", "--max-examples", "1", "--mock-fault", "error_without_message")
    only = cli(*common, "--checks", "server_error,pagination", "--report-dir", "only", cwd=tmp_path)
    assert only.returncode == 0  # the broken envelope is not what was asked about
    checks = json.loads((tmp_path / "only" / "results.json").read_text())["summary"]["checks"]
    assert checks["error_envelope"]["skipped"].startswith("not selected")
    assert checks["pagination"]["passed"] > 0 and checks["server_error"]["passed"] > 0
    # An unknown route's and an unserved method's error bodies are the envelope too: their checks are left out with
    # error_envelope.
    left_out = "error_envelope,unknown_route_envelope,unserved_method"
    rest = cli(*common, "--exclude-checks", left_out, "--report-dir", "rest", cwd=tmp_path)
    assert rest.returncode == 0
    assert cli(*common, "--report-dir", "all", cwd=tmp_path).returncode == 1


def test_max_failures_stops_early_and_says_incomplete(tmp_path):
    args = ("run", "--max-failures", "2", "--mock-fault", "any_bearer_accepted", "--report-dir", "out")
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 1
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["complete"] is False and "max_failures" in summary["stopped"]
    assert "Incomplete:" in result.stdout


@pytest.mark.http
def test_extra_headers_reach_the_target_and_credential_like_ones_are_redacted(tmp_path):
    seen: list[dict[str, str]] = []

    def gateway(environ, start_response):
        seen.append({k: v for k, v in environ.items() if k.startswith("HTTP_X_")})
        if environ.get("HTTP_X_GATEWAY_KEY") != "gw-secret-0123456789":
            start_response("403 Forbidden", [("Content-Type", "application/json")])
            return [b'{"error": "forbidden", "message": "gateway"}']
        start_response("200 OK", [("Content-Type", "text/plain")])  # a finding, so there is a repro
        return [b"ok"]

    with serve(gateway) as url:
        args = (
            "run",
            "--base-url",
            url,
            "--token",
            "any-token-will-do",
            "--max-examples",
            "1",
            "--include",
            "^GET /tags$",
        )
        result = cli(
            *args, "-H", "X-Gateway-Key: gw-secret-0123456789", "-H", "X-Team: voice", "--report-dir", "o", cwd=tmp_path
        )
    assert result.returncode == 1, result.stderr
    assert seen and all(h.get("HTTP_X_GATEWAY_KEY") == "gw-secret-0123456789" for h in seen)
    assert all(h.get("HTTP_X_TEAM") == "voice" for h in seen)
    outputs = [result.stdout, result.stderr] + [p.read_text() for p in (tmp_path / "o").iterdir()]
    assert all("gw-secret-0123456789" not in text for text in outputs)
    repro = json.loads((tmp_path / "o" / "results.json").read_text())["findings"][0]["repro"]
    assert "X-Gateway-Key: ${VOIPBIN_HEADER_X_GATEWAY_KEY}" in repro and "X-Team: voice" in repro


def test_a_malformed_header_is_one_line(tmp_path):
    assert_one_line_error(cli("run", "-H", "no colon here", cwd=tmp_path), "--header expects 'Name: value'")


def test_looking_up_an_operation_the_spec_lacks_never_measures_the_whole_spec():
    """schemathesis answers a miss by measuring every operation of the spec to suggest a name: per lookup, that
    made a 20,000-path spec narrowed with --include to one operation take minutes."""
    import schemathesis

    from conformance.engine.runtime import _LazyOperations

    paths = {f"/things{i}": {"get": {"responses": {"200": {"description": "ok"}}}} for i in range(3)}
    schema = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    )
    misses: list[str] = []
    schema.on_missing_operation = lambda item, exc: misses.append(item) or (_ for _ in ()).throw(KeyError(item))
    operations = _LazyOperations(schema)
    assert operations.get("GET /elsewhere") is None and operations.get("POST /things1") is None
    assert operations.get("GET /things2") is not None
    assert misses == []


@pytest.mark.http
def test_the_preflight_asks_an_operation_of_the_selection(tmp_path):
    """A target serving only what --include selects (GET /tags) must not be refused by a preflight that asks the
    spec's first list (GET /accesskeys) and reads its 404 as a wrong --base-url."""
    asked: list[str] = []

    def tags_only(environ, start_response):
        asked.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] != "/v1.0/tags":
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "not_found", "message": "no such route"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"result": [], "next_page_token": ""}']

    with serve(tags_only) as url:
        args = ("run", "--base-url", url + "/v1.0", "--token", "tok-0123456789abcdef", "--max-examples", "1")
        result = cli(*args, "--include", "^GET /tags$", "--checks", "json_response", "--report-dir", "o", cwd=tmp_path)
    assert "its operations are not there" not in result.stderr, result.stderr
    assert result.returncode != 2 and asked[0] == "/v1.0/tags"
