"""Repeated query parameters are read as the live (Go) server reads them: by their first value."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http

_PAGE_SIZE = {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
_LIST = LIST_RESPONSES
PATHS = {"/items": {"get": {"parameters": [_PAGE_SIZE], "responses": _LIST}}}


def target(read):
    def app(environ, start_response):
        values = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get("page_size")
        if values is not None and not read(values):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": "bad_request", "message": "page_size"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"result": [], "next_page_token": ""}).encode()]

    return app


def _valid(value: str) -> bool:
    return value.isdigit() and 1 <= int(value) <= 100


@pytest.mark.parametrize(
    ("name", "read", "fires"),
    [
        ("reads the first value, as Go does", lambda values: _valid(values[0]), False),
        ("validates nothing", lambda values: True, True),
    ],
)
def test_invalid_input_rejected_follows_the_servers_reading(tmp_path, name, read, fires):
    spec = write_spec(tmp_path / "spec.json", PATHS)
    with serve(target(read)) as url:
        args = ("run", "--spec", spec, "--base-url", url, "--token", "any-token-will-do", "--seed", "3")
        cli(*args, "--max-examples", "60", "--report-dir", "out", cwd=tmp_path, timeout=120)
    findings = json.loads((tmp_path / "out" / "results.json").read_text())["findings"]
    fired = [f for f in findings if f["check"] == "invalid_input_rejected"]
    assert bool(fired) is fires, (name, [f["message"] for f in fired])
