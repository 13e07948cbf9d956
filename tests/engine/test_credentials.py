"""Every request carries exactly the credentials it means to: no cookie jar, -H credentials only where valid ones
belong, a gateway's header everywhere. A live-like target reads the login's token cookie first."""

from __future__ import annotations

import json

import pytest

from conformance.checks import DEFAULT_AUTH, Auth
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests.engine.test_http import run_served

pytestmark = pytest.mark.http


class _PlainHttpLogin(MockApp):
    """The live login's cookie is Secure, which a client resends only over HTTPS; over these tests' loopback
    HTTP the same cookie without Secure shows what a cookie jar does with it."""

    def _login(self, body: bytes):  # type: ignore[no-untyped-def]
        answer = super()._login(body)
        answer.headers = [(k, v.replace("Secure; ", "")) for k, v in answer.headers]
        return answer


def _app(bundled, profile: str = "voipbin-2026-01") -> MockApp:
    spec, live = load_spec(str(bundled)), load_profile(profile)
    return _PlainHttpLogin(spec, profile=live, seed=3, login=("ops", "s3cret-password!"))


def _auth_findings(tmp_path) -> list[str]:
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    return [f["message"] for f in results["findings"] if f["check"].startswith("auth_")]


@pytest.mark.parametrize("profile", ["voipbin-2026-01", "voipbin-2026-08"])
def test_a_login_that_sets_the_token_cookie_does_not_leak_it_onto_the_probes(bundled, tmp_path, profile):
    """The live login answers Set-Cookie: token=…, read first by the live server: a cookie jar would put it on
    every request "without credentials" (11/11 false criticals before)."""
    env = {"VOIPBIN_USERNAME": "ops", "VOIPBIN_PASSWORD": "s3cret-password!", "VOIPBIN_PROFILE": profile}
    result = run_served(_app(bundled, profile), tmp_path, "^GET /(tags|calls)$", env)
    assert result.returncode == 0, (result.stdout[-2000:], _auth_findings(tmp_path))
    assert _auth_findings(tmp_path) == []


def test_a_credential_given_as_a_header_stays_off_the_probes_a_gateway_key_stays_on(bundled, tmp_path):
    app = _app(bundled)
    customer = app.customers[0]
    seen: list[dict[str, str]] = []
    handle = app.handle

    def spy(method, path, query, headers, body):
        seen.append(headers)
        if headers.get("x-gateway-key") != "gw-key-0123456789abcdef":
            from conformance.mock._wire import MockResponse

            return MockResponse(403, [("Content-Type", "text/html")], b"<h1>403 Forbidden</h1>")
        return handle(method, path, query, headers, body)

    app.handle = spy  # type: ignore[method-assign]
    env = {"VOIPBIN_ACCESSKEY": customer.accesskey}
    args = ("-H", f"Authorization: Bearer {customer.token}", "-H", "X-Gateway-Key: gw-key-0123456789abcdef")
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        from tests.engine.test_cli import cli

        result = cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--include", "^GET /tags$",
            "--max-examples", "1", "--report-dir", "out", *args, cwd=tmp_path, env=env,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, (result.stdout[-2000:], _auth_findings(tmp_path))
    assert all(h.get("x-gateway-key") for h in seen)  # the gateway's key on every request, probes included
    assert any("authorization" not in h for h in seen)  # the probes without (or with other) credentials


def test_the_runtime_splits_credential_headers_from_gateway_headers(make_runtime):
    runtime = make_runtime(
        profile="voipbin-2026-08",
        headers=(
            "Authorization: Bearer abcdefghijklmnopqrstu",
            "Cookie: gw=1; token=abcdefghijklmnopq",
            "X-Api-Key: kk-0123456789abcdef",
        ),
    )
    assert runtime.headers_for(DEFAULT_AUTH)["Authorization"].startswith("Bearer ")
    for auth in (Auth.none(), Auth(mechanism="token_query", value="bad"), Auth(who="other")):
        kept = runtime.headers_for(auth)
        assert "Authorization" not in kept and kept["Cookie"] == "gw=1" and kept["X-Api-Key"] == "kk-0123456789abcdef"


def test_the_session_keeps_no_cookie(make_runtime, bundled):
    app = _app(bundled)
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        runtime = make_runtime(
            base_url=f"http://127.0.0.1:{server.port}/v1.0", username="ops", password="s3cret-password!"
        )
        response = runtime.session.get(f"http://127.0.0.1:{server.port}/v1.0/tags")
        assert "Set-Cookie" not in response.request.headers and "Cookie" not in response.request.headers
        assert len(runtime.session.cookies) == 0
    finally:
        server.shutdown()


def _isolation_run(app: MockApp, tmp_path, env: dict[str, str], *extra: str):
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        from tests.engine.test_cli import cli

        return cli(
            "run", "--base-url", f"http://127.0.0.1:{server.port}/v1.0", "--include", "^(GET|POST) /tags$",
            "--max-examples", "1", "--report-dir", "out", *extra, cwd=tmp_path, env=env,
        )  # fmt: skip
    finally:
        server.shutdown()


def test_both_customers_log_in_and_isolation_runs_read_only(bundled, tmp_path):
    spec = load_spec(str(bundled))
    app = MockApp(
        spec, profile=load_profile("voipbin-2026-01"), seed=3, login=("a", "pw-a-0123"), other_login=("b", "pw-b-0123")
    )
    env = {"VOIPBIN_USERNAME": "a", "VOIPBIN_PASSWORD": "pw-a-0123"}
    env |= {"VOIPBIN_OTHER_USERNAME": "b", "VOIPBIN_OTHER_PASSWORD": "pw-b-0123"}
    result = _isolation_run(app, tmp_path, env)
    assert result.returncode == 0, result.stdout[-2000:]
    checks = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["checks"]
    assert checks["tenant_isolation"]["passed"] >= 1 and "skipped" not in checks["tenant_isolation"]
    leaky = MockApp(spec, profile=load_profile("voipbin-2026-01"), seed=3, login=("a", "pw-a-0123"),
                    other_login=("b", "pw-b-0123"), faults=("foreign_visible",))  # fmt: skip
    assert _isolation_run(leaky, tmp_path, env).returncode == 1
    problems = json.loads((tmp_path / "out" / "results.json").read_text())["problems"]
    assert problems[0]["severity"] == "critical" and problems[0]["check"] == "tenant_isolation"


@pytest.mark.parametrize("case", ["expired", "same-customer", "bad-login"])
def test_a_second_customer_that_cannot_take_part_is_one_line_at_start(bundled, tmp_path, case):
    from tests.engine.test_cli import assert_one_line_error

    app = MockApp(
        load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3, other_login=("b", "pw-b-0123")
    )
    customer = app.customers[0]
    env = {"VOIPBIN_TOKEN": customer.token}
    env |= {
        "expired": {"VOIPBIN_OTHER_TOKEN": app.auth.issue(app.customers[1].id, expired=True)},
        "same-customer": {"VOIPBIN_OTHER_TOKEN": app.auth.issue(customer.id)},
        "bad-login": {"VOIPBIN_OTHER_USERNAME": "b", "VOIPBIN_OTHER_PASSWORD": "wrong-password"},
    }[case]
    result = _isolation_run(app, tmp_path, env)
    expected = {"expired": "second customer's credentials", "same-customer": "belong to the first", "bad-login": "'b'"}
    assert_one_line_error(result, expected[case])
    assert "VOIPBIN_OTHER" in result.stderr


def test_an_answer_other_than_403_404_to_the_other_customer_is_not_a_breach(bundled, tmp_path):
    """A 500 (or a 401, or 410) to the other customer refuses the resource, just not as documented: one medium
    problem, never the critical 'reachable' (3 false criticals from one 500 fault before)."""
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    customer, other = app.customers
    handle = app.handle

    def foreign_500(method, path, query, headers, body):
        from conformance.mock._wire import MockResponse

        if other.token in headers.get("authorization", "") and path.count("/") > 2:
            return MockResponse(500, [("Content-Type", "application/json")], b'{"error": "x", "message": "boom"}')
        return handle(method, path, query, headers, body)

    app.handle = foreign_500  # type: ignore[method-assign]
    env = {"VOIPBIN_TOKEN": customer.token, "VOIPBIN_OTHER_TOKEN": other.token}
    assert _isolation_run(app, tmp_path, env, "--checks", "tenant_isolation").returncode == 1
    problems = json.loads((tmp_path / "out" / "results.json").read_text())["problems"]
    assert [(p["severity"], p["title"]) for p in problems] == [
        ("medium", "Another customer's resources are not refused as documented (403 or 404): answered 500")
    ]
