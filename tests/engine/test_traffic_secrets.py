"""Every credential the traffic carries stays out of every output of `judge` and `proxy --record`: session
cookies, a URL's user:password@, Basic pairs, a form login's password echoed by the target, credentials of any
length, and any number of them; and a password that is a word of the reports never rewrites them."""

from __future__ import annotations

import base64
import contextlib
import io
import json
from pathlib import Path
from urllib.parse import quote

from conformance.checks import Exchange
from conformance.cli import main
from conformance.client import har as _har
from conformance.reporting import results_file

API = "http://api.test/v1.0"


def _exchange(method: str, url: str, headers: dict[str, str], body: bytes | None, answer: bytes, n: int) -> Exchange:
    """An answer that breaks a convention (text/plain where JSON is due), so that its repro is in the reports."""
    return Exchange(
        "", method, url, headers, body, 200, {"content-type": "text/plain"}, answer, started=1_700_000_000.0 + n
    )


def _judge(tmp_path: Path, exchanges: list[Exchange]) -> tuple[str, dict]:
    har = tmp_path / "traffic.har"
    entries = [_har.entry(exchange, lambda text: text) for exchange in exchanges]
    log = {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}
    har.write_text(json.dumps({"log": log}))
    reports = tmp_path / "reports"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        main(["judge", str(har), "--report-dir", str(reports)])
    everything = out.getvalue() + "".join(path.read_text() for path in reports.iterdir() if path.is_file())
    return everything, results_file.load(str(reports / "results.json"))


def _spellings(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode()]


def _assert_nowhere(text: str, *secrets: str) -> None:
    for secret in secrets:
        for spelling in _spellings(secret):
            assert spelling.lower() not in text.lower(), (secret, spelling)


def test_cookies_userinfo_basic_and_header_credentials_of_any_length_are_redacted(tmp_path):
    session, sid, key, password = "k3jd9s8f7a6s5d4fq9w8", "ab12cd", "k3y-1234567", "Pa55word12"
    basic = base64.b64encode(b"agent:hunter2").decode()
    exchanges = [
        _exchange("GET", f"{API}/calls", {"Cookie": f"PHPSESSID={session}; sid={sid}"}, None, session.encode(), 0),
        _exchange("GET", f"{API}/tags", {"X-Api-Key": key}, None, f"echo {key}".encode(), 1),
        _exchange("GET", f"http://agent:{password}@api.test/v1.0/agents", {}, None, b"x", 2),
        _exchange("GET", f"{API}/numbers", {"Authorization": f"Basic {basic}"}, None, b'{"p": "hunter2"}', 3),
    ]
    everything, _ = _judge(tmp_path, exchanges)
    _assert_nowhere(everything, session, key, password, basic)
    for short in ("sid=ab12cd", '"hunter2"', '\\"hunter2\\"'):
        assert short not in everything, short


def test_a_form_login_password_that_is_a_word_of_the_reports_is_redacted_without_rewriting_them(tmp_path):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    login = _exchange("POST", f"{API}/auth/login", form, b"username=agent&password=failed", b"password=failed", 0)
    read = _exchange("GET", f"{API}/calls", {}, None, b'{"password": "failed"}', 1)
    everything, results = _judge(tmp_path, [login, read])  # load() validated it against the results schema
    assert "password=failed" not in everything and '"password": "failed"' not in everything
    assert '\\"password\\": \\"failed\\"' not in everything
    assert results["summary"]["verdict"]["outcome"] == "failed"  # the verdict's own word stays


def test_every_one_of_a_thousand_rotating_tokens_is_redacted(tmp_path):
    tokens = [f"csrf-{n:06d}-{'x' * 10}" for n in range(1100)]
    exchanges = [
        _exchange("GET", f"{API}/calls", {"X-Csrf-Token": token}, None, f"token {token}".encode(), n)
        for n, token in enumerate(tokens)
    ]
    everything, _ = _judge(tmp_path, exchanges)
    assert "csrf-0" not in everything.lower()


def test_a_recorded_har_holds_references_never_the_values():
    """`proxy --record` wrote both session cookies and the form login's password into the HAR."""
    from conformance.profiles import load_profile
    from conformance.traffic.judge import Secrets

    secrets = Secrets(load_profile("voipbin-2026-01"), {})
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "connect.sid=s%3Aab12cd34; lang=en"}
    login = _exchange("POST", f"{API}/auth/login", form, b"username=agent&password=hunter2", b"{}", 0)
    login.response_headers["set-cookie"] = "theme=dark; Path=/, PHPSESSID=q9w8e7r6t5; Path=/; HttpOnly"
    secrets.learn(login)
    recorded = json.dumps(_har.entry(login, secrets.redactor.as_reference))
    for value in ("s%3Aab12cd34", "s:ab12cd34", "hunter2", "q9w8e7r6t5"):
        assert value not in recorded, value
    assert "password=${VOIPBIN_PASSWORD}" in recorded and "lang=en" in recorded  # a preference is no credential
