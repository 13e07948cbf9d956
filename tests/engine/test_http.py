"""Runs over a real loopback socket: the mock served by werkzeug, the CLI as a separate process."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_cli import assert_one_line_error, cli

pytestmark = pytest.mark.http


def run_served(app: MockApp, tmp_path, include: str, env: dict[str, str]):
    """`run` against `app` served on a loopback port: one example per operation matching `include`, reports in
    out/."""
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        return cli(
            "run",
            "--base-url",
            f"http://127.0.0.1:{server.port}/v1.0",
            "--include",
            include,
            "--max-examples",
            "1",
            "--report-dir",
            "out",
            cwd=tmp_path,
            env=env,
        )
    finally:
        server.shutdown()


@pytest.fixture
def served(bundled):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    server = serve_in_thread(app, "127.0.0.1", 0)
    yield app, f"http://127.0.0.1:{server.port}/v1.0"
    server.shutdown()


def test_rejected_credentials_are_a_setup_error(tmp_path, served):
    _, url = served
    result = cli("run", "--base-url", url, "--token", "not-a-valid-token", cwd=tmp_path)
    assert_one_line_error(result, "rejected the given credentials")
    assert "not-a-valid-token" not in result.stderr


def test_live_run_over_http_keeps_secrets_out_of_every_output(tmp_path, served):
    app, url = served
    customer, other = app.customers
    env = {"VOIPBIN_TOKEN": customer.token, "VOIPBIN_ACCESSKEY": customer.accesskey, "VOIPBIN_OTHER_TOKEN": other.token}
    result = cli(
        "run",
        "--base-url",
        url,
        "--max-examples",
        "2",
        "--include",
        "tags",
        "--allow-writes",
        "--report-dir",
        "out",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = [result.stdout, result.stderr] + [p.read_text() for p in (tmp_path / "out").iterdir()]
    for secret in (customer.token, customer.accesskey, other.token):
        assert all(secret not in text for text in outputs)
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["target"] == url
    assert results["summary"]["checks"]["tenant_isolation"]["passed"] > 0


def test_findings_over_http_carry_runnable_redacted_repros(tmp_path, bundled):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), faults=["pages_overlap"])
    customer = app.customers[0]
    result = run_served(app, tmp_path, "^GET /tags$", {"VOIPBIN_TOKEN": customer.token})
    assert result.returncode == 1
    findings = json.loads((tmp_path / "out" / "results.json").read_text())["findings"]
    walk = next(f for f in findings if f["check"] == "pagination")
    assert "${VOIPBIN_TOKEN}" in walk["repro"] and customer.token not in walk["repro"]
    assert "page_token=" in walk["repro"]  # a page token is data, and stays
    assert len(walk["steps"]) >= 2


def test_checks_that_cannot_run_are_reported_skipped_with_the_reason(tmp_path, served):
    app, url = served
    result = cli(
        "run",
        "--base-url",
        url,
        "--max-examples",
        "1",
        "--include",
        "tags",
        "--report-dir",
        "out",
        cwd=tmp_path,
        env={"VOIPBIN_TOKEN": app.customers[0].token},
    )
    assert result.returncode == 0, result.stderr
    checks = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["checks"]
    assert "second customer" in checks["tenant_isolation"]["skipped"]
    assert "tenant_isolation" in result.stdout and "skipped" in result.stdout


def test_an_accesskey_with_url_special_characters_leaks_in_no_spelling(tmp_path, bundled):
    """The key travels percent-encoded in ?accesskey=, into every repro of a list finding."""
    import base64
    from urllib.parse import quote, quote_plus

    key = "aK+/b=c&d/e+f==zz-9"
    app = MockApp(
        load_spec(str(bundled)),
        profile=load_profile("voipbin-2026-01"),
        accesskey=key,
        faults=["list_without_next_page_token"],
    )
    result = run_served(app, tmp_path, "^GET /tags", {"VOIPBIN_ACCESSKEY": key})
    assert result.returncode == 1, result.stderr
    outputs = [result.stdout, result.stderr] + [p.read_text() for p in (tmp_path / "out").iterdir()]
    for spelling in (key, quote(key, safe=""), quote_plus(key, safe=""), base64.b64encode(key.encode()).decode()):
        assert all(spelling not in text for text in outputs), spelling
    assert "${VOIPBIN_ACCESSKEY}" in (tmp_path / "out" / "results.json").read_text()


@pytest.mark.parametrize("right", [True, False])
def test_a_nightly_job_logs_in_with_username_and_password(tmp_path, bundled, right):
    password = "s3cret-Pa55word-for-the-test"
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), login=("agent", password))
    env = {"VOIPBIN_USERNAME": "agent", "VOIPBIN_PASSWORD": password if right else "wrong-password-123"}
    result = run_served(app, tmp_path, "^GET /tags$", env)
    if not right:
        assert_one_line_error(result, "refused the login of 'agent'")
        return
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = [result.stdout, result.stderr] + [p.read_text() for p in (tmp_path / "out").iterdir()]
    assert all(password not in text and app.customers[0].token not in text for text in outputs)
    checks = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["checks"]
    assert checks["auth_accepted"]["passed"] > 0
