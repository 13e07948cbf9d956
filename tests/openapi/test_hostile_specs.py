"""Specs that are hostile or broken by accident: one clear SetupError, in bounded time and memory."""

from __future__ import annotations

import json

import pytest

from conformance.config import Config
from conformance.engine.runtime import build_runtime
from conformance.errors import SetupError
from conformance.openapi import load_spec
from tests.conftest import run_in_process

_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def _spec(paths: dict, **extra) -> dict:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}


@pytest.mark.parametrize("ref", ["../secret.json", "/etc/passwd", "sub/../../secret.json"])
def test_a_ref_that_leaves_the_spec_folder_is_refused(tmp_path, ref):
    (tmp_path / "secret.json").write_text(json.dumps({"type": "string", "enum": ["TOP-SECRET"]}))
    folder = tmp_path / "spec"
    folder.mkdir()
    schema = {"$ref": ref}
    document = _spec(
        {
            "/x": {
                "get": {
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
                }
            }
        }
    )
    (folder / "openapi.json").write_text(json.dumps(document))
    with pytest.raises(SetupError, match="outside the spec's folder"):
        load_spec(str(folder / "openapi.json"))


def test_a_ref_inside_the_folder_still_loads(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "x.json").write_text(json.dumps({"type": "object"}))
    document = _spec(
        {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "schemas/x.json"}}},
                        }
                    }
                }
            }
        }
    )
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    assert load_spec(str(tmp_path / "openapi.json")).shape.operations


def test_a_yaml_alias_bomb_is_refused(tmp_path):
    lines = [
        "openapi: 3.0.3",
        "info: {title: t, version: '1'}",
        "paths: {/x: {get: {responses: {'200': {description: ok}}}}}",
    ]
    lines.append("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"x-{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1000
    with pytest.raises(SetupError, match="expands to more than"):
        load_spec(str(path))


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_a_spec_nested_thousands_deep_is_refused(tmp_path, kind):
    depth = 5000
    if kind == "json":
        text = (
            json.dumps(_spec({"/x": {"get": {"responses": _OK}}})).rstrip("}")
            + ', "x-deep": '
            + "[" * depth
            + "]" * depth
            + "}"
        )
    else:
        text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        text += "paths: {/x: {get: {responses: {'200': {description: ok}}}}}\n"
        text += "x-deep: " + "[" * depth + "]" * depth + "\n"
    path = tmp_path / f"deep.{kind}"
    path.write_text(text)
    with pytest.raises(SetupError, match="nest"):
        load_spec(str(path))


def test_collections_of_a_spec_with_20000_paths(tmp_path):
    """Discovery is one pass over the paths (it compared every path with every other: 14 s at 8,000)."""
    paths = {}
    for n in range(10_000):
        paths[f"/r{n}"] = {"get": {"responses": _OK}, "post": {"responses": _OK}}
        paths[f"/r{n}/{{id}}"] = {"get": {"responses": _OK}}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_spec(paths)))
    shape = load_spec(str(path)).shape
    assert len(shape.collections) == 10_000
    assert shape.collection_of("/r9999/{id}").path == "/r9999"


def test_the_mock_survives_a_schema_that_refers_only_to_itself(tmp_path):
    loop = {"$ref": "#/components/schemas/Loop"}
    body = {"content": {"application/json": {"schema": loop}}}
    answer = {"200": {"description": "ok", "content": {"application/json": {"schema": loop}}}}
    document = _spec(
        {"/things": {"get": {"responses": answer}, "post": {"requestBody": body, "responses": answer}}},
        components={"schemas": {"Loop": loop}},
    )
    path = tmp_path / "self.json"
    path.write_text(json.dumps(document))
    runtime = build_runtime(Config(spec=str(path), seed=3, max_examples=3).validate())
    try:
        outcome = run_in_process(runtime)
    finally:
        runtime.close()
    assert not outcome.findings, outcome.describe()
