"""Loading specs: VoIPBIN's multi-file layout, single files, URLs, and the errors of bad ones."""

from __future__ import annotations

import http.server
import json
import threading
from functools import partial

import pytest

from conformance.errors import SetupError
from conformance.openapi import load_spec
from tests.conftest import real_spec


@pytest.mark.realspec
@pytest.mark.parametrize(("date", "operations"), [("2026-01-15", 266), ("2026-08-22", 410)])
def test_real_sources_load_every_operation(date, operations):
    import schemathesis

    spec = load_spec(str(real_spec(date)))
    assert len(spec.shape.operations) == operations
    loaded = [r.ok() for r in schemathesis.openapi.from_dict(spec.document).get_all_operations()]
    assert len(loaded) == operations  # root-relative #/components refs resolve: nothing is dropped
    assert spec.files > 100


@pytest.mark.realspec
def test_a_directory_stands_for_its_openapi_yaml():
    spec = load_spec(str(real_spec("2026-01-15").parent))
    assert len(spec.shape.operations) == 266


def test_bundled_spec_is_voipbin_shaped(bundled):
    spec = load_spec(str(bundled))
    shape = spec.shape
    assert len(shape.operations) == 56
    assert spec.base_path == "/v1.0"
    assert {c.path for c in shape.collections} >= {
        "/accesskeys",
        "/agents",
        "/calls",
        "/flows",
        "/numbers",
        "/queues",
        "/tags",
        "/extensions",
        "/messages",
        "/campaigns",
    }
    assert all(shape.is_list(c.list) for c in shape.collections if c.list)


def test_relative_refs_across_files(tmp_path):
    (tmp_path / "paths").mkdir()
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: './paths/x.yaml'\n"
        "components:\n  schemas:\n    X: {type: object, properties: {id: {type: string}}}\n"
    )
    (tmp_path / "paths" / "x.yaml").write_text(
        "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n"
        "          schema: {$ref: '#/components/schemas/X'}\n    '404': {$ref: 'common.yaml#/NotFound'}\n"
    )
    (tmp_path / "paths" / "common.yaml").write_text("NotFound: {description: gone}\n")
    spec = load_spec(str(tmp_path / "openapi.yaml"))
    responses = spec.document["paths"]["/x"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/X"}
    assert responses["404"] == {"description": "gone"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("swagger: '2.0'\npaths: {}\n", "Swagger 2.0"),
        ("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n", "declares no paths"),
        ("openapi: 3.0.0\npaths:\n  /x:\n    $ref: 'nowhere.yaml'\n", "spec not found"),
        ("openapi: 3.0.0\npaths:\n  /x: {get: {responses: {'200': {$ref: '#/nope'}}}}\n", None),
        ("- a\n- b\n", "not an OpenAPI document"),
        ("openapi: [\n", "malformed at line"),
    ],
)
def test_bad_specs_raise_setup_errors(tmp_path, text, message):
    (tmp_path / "spec.yaml").write_text(text)
    if message is None:  # a dangling internal ref is left for schemathesis to report on that operation
        load_spec(str(tmp_path / "spec.yaml"))
        return
    with pytest.raises(SetupError, match=message):
        load_spec(str(tmp_path / "spec.yaml"))


@pytest.mark.http
def test_a_multi_file_spec_loads_from_a_url(bundled, tmp_path):
    (tmp_path / "paths").mkdir()
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: './paths/x.yaml'\n"
    )
    (tmp_path / "paths" / "x.yaml").write_text("get:\n  responses:\n    '200': {description: ok}\n")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = load_spec(f"http://127.0.0.1:{server.server_port}/openapi.yaml")
        assert [op.label for op in spec.shape.operations] == ["GET /x"]
        with pytest.raises(SetupError, match="HTTP 404"):
            load_spec(f"http://127.0.0.1:{server.server_port}/missing.yaml")
    finally:
        server.shutdown()
        server.server_close()


def test_json_specs_with_escaped_emoji_load(tmp_path):
    document = {
        "openapi": "3.0.0",
        "info": {"title": "\U0001f4de", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": {"description": "\U0001f600"}}}}},
    }
    (tmp_path / "spec.json").write_text(json.dumps(document))  # ensure_ascii: "\ud83d\ude00"
    assert load_spec(str(tmp_path / "spec.json")).info()["title"] == "\U0001f4de"
