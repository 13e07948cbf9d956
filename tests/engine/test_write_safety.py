"""No request that could change state reaches a --base-url target without --allow-writes, loopback included.

The target here is as unsafe as a target can be: it accepts any credentials (or none) and holds resources whose
ids are predictable (integers from 1, enum members), so the only protection is what the suite sends.
"""

from __future__ import annotations

import json
import re
import threading

import pytest

from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_MODE = {"name": "mode", "in": "path", "required": True, "schema": {"type": "string", "enum": ["day", "night"]}}
_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}},
}
_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
_LIST = LIST_RESPONSES
PATHS = {
    "/tags": {"get": {"responses": _LIST}, "post": {"requestBody": _BODY, "responses": _OK}},
    "/tags/{id}": {
        "get": {"parameters": [_ID], "responses": _OK},
        "put": {"parameters": [_ID], "requestBody": _BODY, "responses": _OK},
        "delete": {"parameters": [_ID], "responses": _OK},
    },
    "/tags/{id}/archive": {"post": {"parameters": [_ID], "responses": _OK}},
    "/modes/{mode}": {"delete": {"parameters": [_MODE], "responses": _OK}},
    "/reset": {"post": {"responses": _OK}},
}


class UnsafeTarget:
    """Counts every request that changed state."""

    def __init__(self) -> None:
        self.tags = {str(n) for n in range(1, 6)}
        self.modes = {"day", "night"}
        self.changes: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size) if size else b""
        status, body = self.answer(method, path, raw)
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def answer(self, method: str, path: str, raw: bytes) -> tuple[str, object]:
        if method == "GET":
            return "200 OK", {"result": [{"id": int(t)} for t in sorted(self.tags)], "next_page_token": ""}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return "400 Bad Request", {"error": "bad_request", "message": "not JSON"}
        with self.lock:
            if path == "/reset":
                return self.change(f"{method} {path}")
            if path == "/tags" and isinstance(body, dict):
                self.tags.add(str(len(self.tags) + 100))
                return self.change(f"{method} {path}")
            match = re.fullmatch(r"/tags/([^/]+)(/archive)?|/modes/([^/]+)", path)
            key = match and (match[1] or match[3])
            if key in self.tags or key in self.modes:
                if method == "DELETE":
                    self.tags.discard(key)
                return self.change(f"{method} {path}")
        return "404 Not Found", {"error": "not_found", "message": "no such resource"}

    def change(self, what: str) -> tuple[str, object]:
        self.changes.append(what)
        return "200 OK", {"id": 1}


@pytest.mark.parametrize("allow", [False, True])
def test_a_loopback_target_gets_no_state_change_without_allow_writes(tmp_path, allow):
    spec = write_spec(tmp_path / "spec.json", PATHS)
    target = UnsafeTarget()
    with serve(target) as url:
        args = [
            "run",
            "--spec",
            spec,
            "--base-url",
            url,
            "--token",
            "any-token-will-do",
            "--max-examples",
            "3",
            "--report-dir",
            "out",
        ]
        result = cli(*args, *(["--allow-writes"] if allow else []), cwd=tmp_path, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    if allow:  # the counter counts: the same run with consent changes state
        assert target.changes
        return
    assert target.changes == [], target.changes[:5]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    notes = results["summary"]["notes"]
    assert any("needs --allow-writes" in note for note in notes.get("POST /reset", [])), notes
    # The broken authentication is still found on every write: the inert probes reached the target.
    open_ops = {f["operation"] for f in results["findings"] if f["check"] == "auth_missing_rejected"}
    assert {"DELETE /tags/{id}", "POST /tags/{id}/archive", "DELETE /modes/{mode}", "POST /tags"} <= open_ops
