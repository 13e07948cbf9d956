"""Boundary values: the coverage phase sends what random draws rarely do, deterministically."""

from __future__ import annotations

import json

import pytest

from tests._servers import serve, write_spec
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http

_NAME = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 255}}}
PATHS = {
    "/tags": {
        "post": {
            "requestBody": {"required": True, "content": {"application/json": {"schema": _NAME}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": _NAME}}}},
        }
    }
}


def fixed_buffer(environ, start_response):
    """A server with a 40-byte buffer where the schema allows 255 characters."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        name = json.loads(environ["wsgi.input"].read(size) or b"{}").get("name", "")
    except (ValueError, AttributeError):
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "bad_request", "message": "not JSON"}']
    if isinstance(name, str) and len(name) > 40:
        start_response("500 Internal Server Error", [("Content-Type", "application/json")])
        return [b'{"error": "internal", "message": "buffer overflow"}']
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"name": name}).encode()]


def test_a_500_on_names_longer_than_40_characters_is_caught_at_5_examples(tmp_path):
    spec = write_spec(tmp_path / "spec.json", PATHS)
    with serve(fixed_buffer) as url:
        args = ("run", "--spec", spec, "--base-url", url, "--token", "any-token-will-do", "--allow-writes")
        result = cli(*args, "--max-examples", "5", "--seed", "1", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = json.loads((tmp_path / "out" / "results.json").read_text())["findings"]
    errors = [f for f in findings if f["check"] == "server_error"]
    assert errors and "boundary case" in json.dumps(errors)


def _coverage_cases(paths):
    import schemathesis
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    )
    operation = next(iter(schema.get_all_operations())).ok()
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    config = schema.config.generation_for(operation=operation)
    return list(schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config))


def test_wrong_types_are_sent_as_null_and_one_other_per_field_every_other_boundary_each():
    from conformance.engine._generation import _DISTINCT, boundary_key

    cases = _coverage_cases(PATHS)
    keys = [boundary_key(case) for case in cases]
    wrong_types = [(case, key) for case, key in zip(cases, keys, strict=True) if key not in (None, _DISTINCT)]
    on_name = [case.body["name"] for case, _ in wrong_types if isinstance(case.body, dict)]
    assert None in on_name and len(on_name) >= 3  # the coverage phase lists several wrong types for `name`…
    kept = {key for _, key in wrong_types if key[2] == "/properties/name/type"}
    assert {key[3] for key in kept} == {True, False}  # …of which null and one other are distinct cases
    long_name = [c for c, k in zip(cases, keys, strict=True) if k == _DISTINCT and len(str(c.body)) > 255]
    assert long_name  # the 255-character boundary is kept as a case of its own
    assert any(key is None for key in keys)  # Content-Type probes are content_type_enforced's


def test_a_body_value_is_found_by_its_schema_pointer():
    from conformance.engine._generation import _ABSENT, _body_value

    body = {"actions": [{"id": None}], "name": 0}
    assert _body_value(body, "/properties/actions/items/properties/id/type") is None
    assert _body_value(body, "/properties/name/type") == 0
    assert _body_value(body, "/properties/missing/type") is _ABSENT
    assert _body_value("text", "/properties/name/type") is _ABSENT
