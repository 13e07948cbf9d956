"""The real 2026-08-22 tree: three planted defects (a list losing page_token, an operation losing its 401, the
shared list envelope losing next_page_token) are reported at their files and lines, the shared one once, and
nothing else new appears. The copy goes to a tmp dir, never into the project."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from conformance.lint import lint
from conformance.profiles import load_profile
from tests.conftest import real_spec

pytestmark = pytest.mark.realspec

_PAGINATION = re.compile(
    r"(    CommonPagination:\n      type: object\n      properties:\n)        next_page_token:\n"
    r"          type: string\n          description: [^\n]*\n"
)


def _plant(folder) -> None:
    listing = folder / "paths" / "accesskeys" / "main.yaml"
    text = listing.read_text()
    assert "    - $ref: '#/components/parameters/PageToken'\n" in text
    listing.write_text(text.replace("    - $ref: '#/components/parameters/PageToken'\n", "", 1))
    item = folder / "paths" / "accesskeys" / "id.yaml"
    unauthenticated = "    '401':\n      $ref: '#/components/responses/Unauthenticated'\n"
    item.write_text(item.read_text().replace(unauthenticated, "", 1))  # the first: GET's
    root = folder / "openapi.yaml"
    text, count = _PAGINATION.subn(r"\1", root.read_text())
    assert count == 1
    root.write_text(text)


def _line(folder, finding) -> str:
    return (folder / finding["location"]["file"]).read_text().splitlines()[finding["location"]["line"] - 1]


def test_planted_defects_are_reported_where_they_are_and_nothing_else(tmp_path):
    source = real_spec("2026-08-22").parent
    profile = load_profile("voipbin-2026-08")
    before = {f["fingerprint"]: f for f in lint(str(source / "openapi.yaml"), profile).findings}
    copy = tmp_path / "spec"
    shutil.copytree(source, copy)
    _plant(copy)
    after = {f["fingerprint"]: f for f in lint(str(copy / "openapi.yaml"), profile).findings}
    assert set(before) <= set(after)  # fingerprints hold across edits elsewhere in the same files
    new = sorted((after[k] for k in set(after) - set(before)), key=lambda f: f["check"])
    assert [(f["check"], f["operation"], f["location"]["file"]) for f in new] == [
        ("spec_list_envelope", "#/components/schemas/CommonPagination", "openapi.yaml"),
        ("spec_page_params", "GET /accesskeys", "paths/accesskeys/main.yaml"),
        ("spec_unauthenticated_documented", "GET /accesskeys/{id}", "paths/accesskeys/id.yaml"),
    ]
    envelope, params, unauthenticated = new
    assert _line(copy, envelope) == "      properties:"  # CommonPagination's, two lines under its name
    lines = (copy / "openapi.yaml").read_text().splitlines()
    assert lines[envelope["location"]["line"] - 3] == "    CommonPagination:"
    assert _line(copy, params).strip() == "parameters:"
    assert _line(copy, unauthenticated).strip() == "responses:"
    assert (copy / "paths/accesskeys/id.yaml").read_text().splitlines()[0] == "get:"


@pytest.mark.parametrize(("date", "profile"), [("2026-01-15", "voipbin-2026-01"), ("2026-08-22", "voipbin-2026-08")])
def test_both_sources_lint_in_time_and_every_location_exists(date, profile):
    spec = real_spec(date)
    started = time.perf_counter()
    found = lint(str(spec), load_profile(profile))
    assert time.perf_counter() - started <= 20
    assert found.findings
    for finding in found.findings:
        lines = (spec.parent / finding["location"]["file"]).read_text().splitlines()
        assert 1 <= finding["location"]["line"] <= len(lines)
