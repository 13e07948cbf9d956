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
        args = ("run", "--spec", spec, "--base-url", url, "--token", "any-token-value", "--allow-writes")
        result = cli(*args, "--max-examples", "5", "--seed", "1", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = json.loads((tmp_path / "out" / "results.json").read_text())["findings"]
    errors = [f for f in findings if f["check"] == "server_error"]
    assert errors and "boundary case" in json.dumps(errors)
