"""A credential that cannot be redacted safely is refused at start-up (one line, exit 2), never "redacted".

A secret of one character ("), replaced wherever it occurs, wiped every quote from the reports; one with control
characters would be shown as "?" on a terminal, where the redactor could not find it any more.
"""

from __future__ import annotations

import json

import pytest

from conformance.config import Config
from conformance.errors import SetupError
from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.engine.test_cli import assert_one_line_error, cli

GOOD = "tok-0123456789abcdef0123"
URL = "http://127.0.0.1:9/v1.0"  # validation comes before any request: nothing needs to listen


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("token", '"', "--token"),
        ("token", "t", "--token"),
        ("token", "fifteen-chars-x", "--token"),
        ("accesskey", "AK123", "--accesskey"),
        ("other_token", "x" * 10, "--other-token"),
        ("token", "tok-0123456789\x1b[31mabcdef", "--token"),
        ("token", "tok-0123456789\nabcdef0123", "--token"),
    ],
)
def test_an_implausible_credential_is_refused_by_the_config(field, value, named):
    with pytest.raises(SetupError) as refused:
        Config(base_url=URL, **{"token": GOOD, field: value}).validate()
    assert named in str(refused.value)
    if len(value) > 3:
        assert value not in str(refused.value)  # the one line never shows the secret itself


@pytest.mark.parametrize(
    "header", ["X-Api-Key: short", "Authorization: Bearer abc", "Cookie: t=1", "X-Gw-Token: abc\x07defghijklmnopqrs"]
)
def test_a_credential_like_header_that_is_too_short_is_refused(header):
    with pytest.raises(SetupError) as refused:
        Config(base_url=URL, token=GOOD, headers=(header,)).validate()
    assert header.partition(":")[0] in str(refused.value)


def test_plausible_credentials_and_ordinary_headers_pass():
    Config(
        base_url=URL, token=GOOD, accesskey="b9c1e4f0a7d24c3e", headers=("X-Team: voice", "X-Api-Key: " + GOOD)
    ).validate()
    Config(base_url=URL, username="agent", password="pw").validate()  # a password is the user's, whatever its length


def test_a_short_token_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    result = cli("run", "--base-url", URL, "--token", "abc", cwd=tmp_path)
    assert_one_line_error(result, "--token")
    assert "abc" not in result.stderr


@pytest.mark.http
@pytest.mark.parametrize("answered", ['"', "a" * 15, "tok-0123456789\u202eabcdef\x00"])
def test_a_login_answering_an_implausible_token_is_refused(tmp_path, answered):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        if environ["PATH_INFO"] == "/auth/login":
            return [json.dumps({"token": answered}).encode()]
        return [json.dumps({"result": [], "next_page_token": ""}).encode()]

    spec = write_spec(tmp_path / "spec.json", {"/items": {"get": {"responses": LIST_RESPONSES}}})
    env = {"VOIPBIN_USERNAME": "agent", "VOIPBIN_PASSWORD": "pw"}
    with serve(app) as url:
        result = cli("run", "--spec", spec, "--base-url", url, "--report-dir", "o", cwd=tmp_path, env=env)
    assert_one_line_error(result, "login")
    assert not (tmp_path / "o" / "results.json").exists()


@pytest.mark.http
@pytest.mark.parametrize("password", ['"', "<", "a", "1"])
def test_a_short_password_never_corrupts_an_output(tmp_path, password):
    """The password's length is not the user's to choose: it is accepted, and redacted only where it stands
    whole, so the reports stay what they claim to be (before: `"` wiped every quote from results.json)."""
    from xml.etree import ElementTree

    from tests.reporting.test_exits import PATHS, echo

    spec = write_spec(tmp_path / "spec.json", PATHS)
    env = {"VOIPBIN_USERNAME": "agent", "VOIPBIN_PASSWORD": password}
    with serve(echo) as url:
        args = ("run", "--spec", spec, "--base-url", url, "--max-examples", "1", "--report-dir", "o")
        result = cli(*args, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    assert results["findings"] and '"' in (tmp_path / "o" / "results.json").read_text()
    ElementTree.parse(tmp_path / "o" / "junit.xml")
    assert "<html" in (tmp_path / "o" / "report.html").read_text()
