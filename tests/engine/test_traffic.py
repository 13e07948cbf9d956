"""`judge`: a plain integration's traffic, saved as a browser saves it, judged with the checks traffic can show.
The conformant target's HAR yields no finding; a target that breaks a convention such traffic shows is caught; the
credentials the traffic carried appear in no output."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.data import schemas_dir
from conformance.mock import FAULTS
from tests.engine._integration import PASSWORD, record_integration

pytestmark = pytest.mark.http

# What a plain integration's traffic can show, each by the check the fault table names.
SHOWN_BY_TRAFFIC = [
    "auth_open_operation",  # the read before the token was set answers 2xx
    "content_with_204",
    "error_without_message",
    "html_401",
    "ids_not_uuid",
    "json_as_text_plain",
    "list_without_next_page_token",
    "lost_create",  # the create's id then reads 404
    "page_size_ignored",  # a page holds more than the page_size asked for
    "pages_overlap",  # the chain the client followed repeats an item
    "result_null",
    "server_error_on_long_strings",
    "switching_protocols",
    "timestamps_unformatted",
    "tm_delete_on_live",
    "token_loops",  # the chain hands back a token it was given
    "wrong_field_type",
    "zombie_delete",  # the deleted resource still reads as live
    "malformed_id_200",  # GET /tags/undefined, as a front end sends before its state is loaded, answers 200
    "plain_404_route",  # the typo route /tagz answers text/plain
]


def judge(har: Path, report_dir: Path, *args: str) -> tuple[int, str, dict]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["judge", str(har), "--report-dir", str(report_dir), *args])
    results = json.loads((report_dir / "results.json").read_text()) if (report_dir / "results.json").exists() else {}
    return code, out.getvalue() + err.getvalue(), results


def outputs(report_dir: Path, console: str) -> str:
    return console + "".join(path.read_text() for path in report_dir.iterdir())


@pytest.mark.parametrize("profile", ["voipbin-2026-01", "voipbin-2026-08"])
def test_a_conformant_targets_traffic_yields_no_finding(tmp_path, profile):
    har, token = record_integration(tmp_path, profile)
    code, console, results = judge(har, tmp_path / "reports", "--profile", profile)
    assert code == 0, console
    assert results["findings"] == []
    summary = results["summary"]
    jsonschema.validate(results, json.loads((schemas_dir() / "results.schema.json").read_text()))
    traffic = summary["traffic"]
    # 25 requests: the login is at the host root (not the API's), /tagz is no operation; the rest are judged.
    assert summary["exchanges"] == traffic["judged"] == 23
    assert traffic["unmatched"]["requests"] == [{"method": "GET", "path": "/v1.0/tagz", "count": 1, "statuses": [404]}]
    assert traffic["not_api"] == 2 and traffic["unmatched"]["outside_api"] == 1  # the page, its preflight; the login
    assert "GET /tags/{id}" in summary["operations"] and "DELETE /queues/{id}" in summary["operations"]
    checks = summary["checks"]
    assert checks["pagination"]["passed"] >= 3  # each page of the chain, judged
    assert checks["resource_lifecycle"]["passed"] == 2  # the read after the create, the read after the delete
    assert checks["auth_missing_rejected"]["passed"] == 2  # the two reads before the token was set
    assert checks["list_envelope"]["passed"] >= 5  # the empty list among them
    assert checks["malformed_id_rejected"]["passed"] == 1  # /tags/undefined, refused
    assert checks["unknown_route_envelope"]["passed"] == 1  # /tagz, in the envelope
    assert "sends requests of its own" in checks["tenant_isolation"]["skipped"]
    assert summary["verdict"]["headline"] == "Passed: no problem found in what was judged"
    shown = outputs(tmp_path / "reports", console)
    assert token not in shown and PASSWORD not in shown
    assert token.split(".")[2] not in shown  # not even the JWT's signature alone


@pytest.mark.parametrize("fault", SHOWN_BY_TRAFFIC)
def test_a_convention_the_traffic_shows_broken_is_caught(tmp_path, fault):
    profile = "voipbin-2026-08"
    har, token = record_integration(tmp_path, profile, (fault,))
    code, console, results = judge(har, tmp_path / "reports", "--profile", profile)
    found = {finding["check"] for finding in results["findings"]}
    assert code == 1, console
    assert FAULTS[fault].check in found, f"{fault}: {found}"
    assert token not in outputs(tmp_path / "reports", console)


def test_findings_of_sequences_carry_the_steps_behind_them(tmp_path):
    har, _ = record_integration(tmp_path, faults=("lost_create",))
    _, _, results = judge(har, tmp_path / "reports", "--profile", "voipbin-2026-08")
    lost = next(f for f in results["findings"] if f["check"] == "resource_lifecycle")
    assert lost["operation"] == "POST /tags"
    assert lost["key"] == "read-after-create:404"  # the key a run gives it: diff compares the two
    assert [step["method"] for step in lost["steps"]] == ["POST", "GET"]
    assert "${VOIPBIN_TOKEN}" in lost["repro"]


def test_a_sanitized_har_judges_no_credential_less_request(tmp_path):
    """Chrome's default export drops Authorization and cookies: every request would look like one sent without
    credentials. No request in the file carries one, so none is judged for it; the reports say why."""
    har, _ = record_integration(tmp_path, faults=("auth_open_operation",))
    data = json.loads(har.read_text())
    for entry in data["log"]["entries"]:
        request = entry["request"]
        request["headers"] = [h for h in request.get("headers", []) if h["name"].lower() != "authorization"]
        request["url"] = request["url"].split("?token=")[0].split("&token=")[0]
    har.write_text(json.dumps(data))
    code, console, results = judge(har, tmp_path / "reports", "--profile", "voipbin-2026-08")
    assert code == 0, console
    assert "auth_missing_rejected" not in {f["check"] for f in results["findings"]}
    notes = json.dumps(results["summary"]["notes"])
    assert "no request in the traffic carries one" in notes


def test_base_url_keeps_other_hosts_out(tmp_path):
    har, _ = record_integration(tmp_path)
    code, console, _ = judge(har, tmp_path / "reports", "--base-url", "https://api.voipbin.net/v1.0")
    assert code == 2
    assert "none of its 27 entries" in console and "Traceback" not in console


def test_an_id_read_as_undefined_and_a_typo_route_are_two_problems(tmp_path):
    """The front end reads /tags/undefined (answered 200: the id names nothing) and mistypes a route (answered 404
    text/plain, not the envelope): exactly the two problems, whatever else the traffic shows."""
    har, _ = record_integration(tmp_path, "voipbin-2026-01", ("malformed_id_200", "plain_404_route"))
    code, console, results = judge(har, tmp_path / "reports", "--profile", "voipbin-2026-01")
    assert code == 1, console
    problems = results["problems"]
    assert sorted(p["check"] for p in problems) == ["malformed_id_rejected", "unknown_route_envelope"], problems
    shown = {(f["check"], f["operation"], f["status"]) for f in results["findings"]}
    assert shown == {("malformed_id_rejected", "GET /tags/{id}", 200), ("unknown_route_envelope", "GET /tagz", 404)}


@pytest.mark.parametrize(
    ("prefix", "url", "api"),
    [(None, "https://api.voipbin.net/v1.0/tag", True), (None, "https://api.voipbin.net/auth/login", False),
     ("https://api.voipbin.net/v1.0", "https://api.voipbin.net/v1.0/tag", True),
     ("https://api.voipbin.net", "https://api.voipbin.net/auth/login", False),  # the login at the host root
     ("https://api.voipbin.net", "https://api.voipbin.net/v1.0/tag", True)],
)  # fmt: skip
def test_only_a_route_under_the_apis_base_is_judged_as_an_unknown_one(prefix, url, api):
    from conformance.data import bundled_spec_path
    from conformance.openapi import load_spec
    from conformance.traffic.judge import Routes

    routes = Routes(load_spec(str(bundled_spec_path())), prefix)
    assert (routes.path(url) is not None and routes.under_base(url)) is api
