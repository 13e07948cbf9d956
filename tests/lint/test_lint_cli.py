"""`voipbin-conformance lint` as a user meets it: SARIF that code scanning takes, the usual reports (results.json
valid against its schema), exit 0/1 as the verdict says, `diff` between two revisions, one line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conformance.data import schemas_dir
from tests.engine.test_cli import assert_one_line_error, cli
from tests.lint._specs import parts, write

# The part of SARIF 2.1.0 (sarif-schema-2.1.0.json, OASIS) that GitHub code scanning reads; no download.
SARIF = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription"],
                                            "properties": {
                                                "shortDescription": {
                                                    "type": "object",
                                                    "required": ["text"],
                                                },
                                                "defaultConfiguration": {
                                                    "properties": {
                                                        "level": {"enum": ["none", "note", "warning", "error"]}
                                                    }
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "result": {
            "type": "object",
            "required": ["ruleId", "message", "locations", "partialFingerprints"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": 0},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                "locations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["physicalLocation"],
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "required": ["uri"],
                                        "properties": {"uri": {"type": "string", "pattern": "^[^/\\\\]"}},
                                    },
                                    "region": {
                                        "type": "object",
                                        "required": ["startLine"],
                                        "properties": {"startLine": {"type": "integer", "minimum": 1}},
                                    },
                                },
                            }
                        },
                    },
                },
            },
        }
    },
}


def _broken(folder: Path) -> Path:
    files = parts()
    del files["paths/call.yaml"]["get"]["responses"]["401"]
    files["openapi.yaml"]["components"]["schemas"]["CommonPagination"]["properties"] = {}
    return write(folder, files)


def test_defects_exit_1_with_sarif_and_the_usual_reports(tmp_path):
    spec = _broken(tmp_path / "spec")
    result = cli(
        "lint", "--profile", "voipbin-2026-08", "--spec", str(spec), "--report-dir", "out", "--sarif", "lint.sarif",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "paths/call.yaml:" in result.stdout and "[spec_unauthenticated_documented]" in result.stdout
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    jsonschema.validate(data, json.loads((schemas_dir() / "results.schema.json").read_text()))
    assert data["summary"]["mode"] == "lint" and data["summary"]["verdict"]["exit_code"] == 1
    assert {f["check"] for f in data["findings"]} == {"spec_unauthenticated_documented", "spec_list_envelope"}
    for name in ("junit.xml", "report.html", "summary.md"):
        assert "spec_list_envelope" in (tmp_path / "out" / name).read_text(), name
    sarif = json.loads((tmp_path / "lint.sarif").read_text())
    jsonschema.validate(sarif, SARIF)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    uris = set()
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        uris.add(item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    assert uris == {"spec/openapi.yaml", "spec/paths/call.yaml"}  # relative to where it ran: the repository


def test_a_conforming_spec_exits_0(tmp_path):
    spec = write(tmp_path, parts())
    result = _lint_cli(tmp_path, spec, "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed: the spec follows every convention of voipbin-2026-08" in result.stdout
    sarif = json.loads((tmp_path / "out" / "results.sarif").read_text())
    assert sarif["runs"][0]["results"] == []


def test_diff_compares_two_revisions_of_a_spec(tmp_path):
    """Two revisions of one spec, linted at the same path (as a pull request's base and head are): `diff` says
    what is new, exit 1, as it does for two runs."""
    old = write(tmp_path / "spec", parts())
    assert _lint_cli(tmp_path, old, "a").returncode == 0
    new = _broken(tmp_path / "spec")
    assert new == old and _lint_cli(tmp_path, new, "b").returncode == 1
    result = cli("diff", "a/results.json", "b/results.json", "--report-dir", "d", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    regression = (tmp_path / "d" / "regression.json").read_text()
    assert "spec_list_envelope" in regression and "spec_unauthenticated_documented" in regression
    assert cli("diff", "b/results.json", "b/results.json", "--report-dir", "e", cwd=tmp_path).returncode == 0


def _lint_cli(tmp_path: Path, spec: Path, report_dir: str):
    return cli("lint", "--profile", "voipbin-2026-08", "--spec", str(spec), "--report-dir", report_dir, cwd=tmp_path)


def test_fingerprints_do_not_move_with_lines_elsewhere(tmp_path):
    from conformance.lint import lint
    from conformance.profiles import load_profile

    spec = _broken(tmp_path)
    before = {
        f["fingerprint"]: f["location"]["line"] for f in lint(str(spec), load_profile("voipbin-2026-08")).findings
    }
    spec.write_text("# a comment\n# and another\n" + spec.read_text())
    after = {f["fingerprint"]: f["location"]["line"] for f in lint(str(spec), load_profile("voipbin-2026-08")).findings}
    assert before.keys() == after.keys()
    assert [after[k] for k in before if before[k] != after[k]]  # the root file's finding moved two lines, same key


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--spec", "missing.yaml"], ["spec not found"]),
        (["--spec", "malformed.yaml"], ["malformed", "line 4"]),
        (["--spec", "tree/openapi.yaml"], ["malformed", "call.yaml"]),
        (["--spec", "outside/openapi.yaml"], ["outside the spec's folder"]),
        (["--spec", "https://example.invalid/openapi.yaml"], ["lint reads a spec from files"]),
        (["--spec", "tree/openapi.yaml", "--profile", "voipbin-2026-09"], ["unknown profile"]),
        (["--spec", "ok/openapi.yaml", "--sarif", "ok"], ["--sarif", "cannot be written"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, fragments):
    (tmp_path / "malformed.yaml").write_text("openapi: 3.0.0\npaths: {\n  /x: [\n")
    files = parts()
    write(tmp_path / "ok", files)
    write(tmp_path / "tree", files)
    (tmp_path / "tree" / "paths" / "call.yaml").write_text("get: [\n")
    files["openapi.yaml"]["paths"]["/calls"] = {"$ref": "../ok/paths/calls.yaml"}
    write(tmp_path / "outside", files)
    assert_one_line_error(cli("lint", "--report-dir", "out", *args, cwd=tmp_path), *fragments)


ODD = """\
openapi: 3.0.0
info: {title: t, version: "1"}
components:
  schemas:
    Loop:
      allOf: [{$ref: '#/components/schemas/Loop'}]
      properties: {child: {$ref: '#/components/schemas/Loop'}, id: 5}
paths:
  /x:
    get:
      parameters: [1, "a", {name: page_size}]
      responses:
        200: {content: {application/json: {schema: 5}}}
        "200": {description: the same status, as a string}
        "404": "string"
        "500": {content: []}
    post: 7
    put: {responses: [1, 2]}
    delete: {description: 5, responses: {"200": {description: x}}}
  /y: "str"
  /z: {get: {responses: {"200": {content: {application/json: {schema: {$ref: '#/components/schemas/Loop'}}}}}}}
  "/w\\u001b[31m": {get: {security: 5, responses: {}}}
"""


def test_odd_but_readable_specs_lint_without_a_traceback(tmp_path):
    """Recursive schemas, scalars where mappings belong, integer status keys, an escape in a path: findings, no
    crash, and the escape never reaches the terminal."""
    (tmp_path / "odd.yaml").write_text(ODD)
    result = cli("lint", "--spec", "odd.yaml", "--profile", "voipbin-2026-08", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stdout
    assert "GET /w?[31m declares no responses" in result.stdout


def test_markup_and_escapes_in_a_path_reach_no_page_raw(tmp_path):
    """Sweep: an ESC sequence in a path was escaped as markup but written raw into report.html (an invisible control
    character in the page); every page now shows it as `?`, as the console does, and markup stays escaped."""
    (tmp_path / "odd.yaml").write_text(ODD.replace('"/w\\u001b[31m"', '"/w<script>x</script>\\u001b[31m\\u202e"'))
    result = cli("lint", "--spec", "odd.yaml", "--profile", "voipbin-2026-08", "--report-dir", "out", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    for name in ("report.html", "summary.md"):
        page = (tmp_path / "out" / name).read_text()
        assert "\x1b" not in page and "\u202e" not in page and "<script>" not in page, name
    assert (
        "GET /w&lt;script&gt;x&lt;/script&gt;?[31m? declares no responses"
        in (tmp_path / "out" / "report.html").read_text()
    )


def test_a_json_spec_yaml_cannot_read_still_lints(tmp_path):
    files = parts()
    root = write(tmp_path, files)
    data = yaml.safe_load(root.read_text())
    data["info"]["title"] = "\U0001f600"
    root.with_suffix(".json").write_text(json.dumps(data))  # "\ud83d\ude00": YAML refuses the surrogate pair
    result = _lint_cli(tmp_path, root.with_suffix(".json"), "out")
    assert result.returncode == 0, result.stdout + result.stderr
