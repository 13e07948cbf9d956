"""The nightly job's shape, rehearsed end to end: the whole suite against the mock served as staging is — HTTPS
with a private CA, behind a gateway that answers an HTML 403 without its header, logging in with a username and
password."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.config import Config
from conformance.engine.runtime import build_runtime
from conformance.errors import SetupError
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests._tls import server_files
from tests.engine.test_cli import cli

pytestmark = pytest.mark.http

GATEWAY = ("X-Gateway-Key", "gw-7f3a9c21d4e8b650")
LOGIN = ("nightly", "a-password-for-tests-only")


@dataclass
class Staging:
    url: str
    ca: str
    app: MockApp
    schemes: list[str] = field(default_factory=list)  # the scheme of every request the mock answered


@contextlib.contextmanager
def _staging(directory: Path, spec: Path, profile: str) -> Iterator[Staging]:
    files = server_files(directory)
    app = MockApp(load_spec(str(spec)), profile=load_profile(profile), seed=3, login=LOGIN)
    server = serve_in_thread(app, "127.0.0.1", 0, tls=files.context(), required=dict([GATEWAY]))
    assert files.ca is not None
    seen = Staging(f"https://127.0.0.1:{server.port}/v1.0", files.ca, app)
    handle = app.handle

    def counted(*args):
        seen.schemes.append(server.scheme)  # the server speaks only TLS: anything answered came over it
        return handle(*args)

    app.handle = counted  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def staging(tmp_path_factory, bundled):
    with _staging(tmp_path_factory.mktemp("staging-pki"), bundled, "voipbin-2026-01") as seen:
        yield seen


@pytest.fixture(scope="module")
def staging_live(tmp_path_factory, bundled):
    """With the live server's conventions (voipbin-2026-08): the login's token cookie is read first."""
    with _staging(tmp_path_factory.mktemp("live-pki"), bundled, "voipbin-2026-08") as seen:
        yield seen


def _run(staging: Staging, tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    before = len(staging.schemes)
    result = cli(
        "run",
        "--base-url",
        staging.url,
        "--username",
        LOGIN[0],
        "-H",
        f"{GATEWAY[0]}: {GATEWAY[1]}",
        "--max-examples",
        "2",
        "--seed",
        "5",
        "--report-dir",
        "out",
        *args,
        cwd=tmp_path,
        env={"VOIPBIN_PASSWORD": LOGIN[1], **(env or {})},
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert results["summary"]["target"].startswith("https://")
    assert len(staging.schemes) - before >= results["summary"]["cases"] > 0
    assert set(staging.schemes) == {"https"}
    return result, results


def test_the_whole_suite_over_https_with_a_ca_bundle_a_gateway_and_a_login(staging_live, tmp_path):
    staging = staging_live
    other = staging.app.customers[1].token
    args = ("--profile", "voipbin-2026-08", "--ca-bundle", staging.ca, "--allow-writes", "--other-token", other)
    result, results = _run(staging, tmp_path, *args)
    # The login's Set-Cookie (read first by this mock, as by the live server) stays off the probes: no cookie jar.
    assert result.returncode == 0, result.stdout + result.stderr
    assert results["findings"] == []
    assert results["summary"]["tls_verified"] is True and results["summary"]["cases"] > 500
    assert results["summary"]["complete"] and not results["summary"]["errors"]
    assert "TLS NOT VERIFIED" not in (tmp_path / "out" / "report.html").read_text()


def test_the_whole_suite_over_https_trusting_requests_ca_bundle(staging, tmp_path):
    result, results = _run(staging, tmp_path, env={"REQUESTS_CA_BUNDLE": staging.ca, "CURL_CA_BUNDLE": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    assert results["summary"]["complete"] and results["summary"]["operations_tested"] == 56


def test_insecure_is_said_on_the_console_and_in_every_report(staging, tmp_path):
    result, results = _run(
        staging, tmp_path, "--insecure", "--include", "^GET /tags$", "--exclude-checks", "pagination"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING: TLS NOT VERIFIED (--insecure)" in result.stderr
    assert "TLS NOT VERIFIED (--insecure)" in result.stdout  # the closing summary says it again
    assert results["summary"]["tls_verified"] is False
    out = tmp_path / "out"
    assert "TLS NOT VERIFIED (--insecure)" in (out / "report.html").read_text()
    assert "TLS NOT VERIFIED (--insecure)" in (out / "summary.md").read_text()
    assert 'name="tls_verified" value="False"' in (out / "junit.xml").read_text()


def test_the_login_carries_every_header_given_with_h(staging):
    config = Config(
        base_url=staging.url, username=LOGIN[0], password=LOGIN[1], ca_bundle=staging.ca, headers=(": ".join(GATEWAY),)
    )
    runtime = build_runtime(config.validate())
    try:
        assert runtime.credentials.token == staging.app.customers[0].token
    finally:
        runtime.close()
    without = Config(base_url=staging.url, username=LOGIN[0], password=LOGIN[1], ca_bundle=staging.ca)
    with pytest.raises(SetupError) as refused:
        build_runtime(without.validate())
    assert "403" in str(refused.value) and "-H" in str(refused.value)  # the gateway's HTML 403, named as such
