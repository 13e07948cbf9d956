"""What a second hostile sweep found after the first round of fixes: each case as it reproduced, now held."""

from __future__ import annotations

import json

import pytest

from conformance.checks import CHECKS, Exchange
from conformance.config import Config, is_secret_header
from conformance.errors import SetupError
from conformance.redact import ENVIRONMENT_SECRETS, Redactor
from conformance.results.finding import Finding
from tests.checks.test_responses import ctx, exchange
from tests.engine.test_cli import assert_one_line_error, cli

ACCESSKEY = "AK-" + "q7Z2pX9wLm4" * 7  # 80 characters


@pytest.fixture
def spec():
    from conformance.data import bundled_spec_path
    from conformance.openapi import load_spec

    return load_spec(str(bundled_spec_path()))


def _finding(check: str, context, answer: Exchange, redactor: Redactor) -> dict:
    fails = CHECKS[check].run(context, answer)
    assert fails
    return Finding.of(check, context.operation.label, fails[0], redactor).as_dict()


def test_a_secret_echoed_in_a_long_media_type_is_redacted_whole_not_cut_first(spec):
    """The check cut the media type at 80 characters before the finding was redacted: 73 of 83 characters of
    the access key stayed in results.json."""
    redactor = Redactor({"VOIPBIN_ACCESSKEY": ACCESSKEY})
    answer = exchange("GET /tags", 200, {"result": [], "next_page_token": ""}, content_type=f"text/x-{ACCESSKEY}")
    finding = json.dumps(_finding("json_response", ctx(spec, "GET /tags"), answer, redactor))
    assert not any(ACCESSKEY[i : i + 16] in finding for i in range(len(ACCESSKEY) - 15)), finding


def test_a_made_up_media_type_is_never_a_problems_words(spec):
    """A target's "media type" www.evil.example/reset became a problem title GitHub would link."""
    answer = exchange("GET /tags", 200, {"result": []}, content_type="www.evil.example/reset")
    fails = CHECKS["json_response"].run(ctx(spec, "GET /tags"), answer)
    assert [f.key for f in fails] == ["content-type:other"]
    typed = exchange("GET /tags", 200, {"result": []}, content_type="text/x-000001")
    assert [f.key for f in CHECKS["json_response"].run(ctx(spec, "GET /tags"), typed)] == ["content-type:text/other"]


def test_a_body_snippet_is_redacted_before_it_is_cut(spec):
    redactor = Redactor({"VOIPBIN_ACCESSKEY": ACCESSKEY})
    raw = ("é" * 1490 + ACCESSKEY).encode()
    answer = exchange("GET /tags", 200, raw, content_type="text/plain")
    finding = json.dumps(_finding("json_response", ctx(spec, "GET /tags"), answer, redactor))
    assert not any(ACCESSKEY[i : i + 16] in finding for i in range(len(ACCESSKEY) - 15))


def test_the_other_password_is_among_the_secrets_diff_and_merge_redact():
    assert "VOIPBIN_OTHER_PASSWORD" in ENVIRONMENT_SECRETS


def test_the_bare_token_of_an_authorization_header_is_redacted(make_runtime):
    token = "opaque-" + "Zx81Kq" * 20
    runtime = make_runtime(headers=(f"Authorization: Bearer {token}",))
    assert token not in runtime.redactor.value(f'{{"echo": "{token}"}}')


def test_a_base_url_with_credentials_is_refused_without_showing_them(tmp_path):
    result = cli("run", "--base-url", "https://agent:SuperSecretPassw0rd-1234@api.example.test/v1.0", cwd=tmp_path)
    assert_one_line_error(result, "carries credentials")
    assert "SuperSecretPassw0rd" not in result.stderr + result.stdout


def test_a_nul_in_a_path_is_one_line(tmp_path):
    (tmp_path / "c.toml").write_text('report-dir = "a\\u0000b"\n')
    assert_one_line_error(cli("run", "--config", "c.toml", cwd=tmp_path), "NUL")


@pytest.mark.parametrize("name", ["X_Api_Key", "X.Api.Key", "apikey", "X-Auth", "Token", "Accesskey", "X-JWT"])
def test_credential_like_header_names_in_any_spelling_are_secrets(tmp_path, name):
    assert is_secret_header(name)
    (tmp_path / "c.toml").write_text(f'headers = ["{name}: value-0123456789abcdef"]\n')
    assert_one_line_error(cli("run", "--config", "c.toml", cwd=tmp_path), "carries a credential")


def test_a_report_file_in_the_way_is_one_line_before_the_run(tmp_path):
    (tmp_path / "out" / "report.html").mkdir(parents=True)
    assert_one_line_error(cli("run", "--report-dir", "out", cwd=tmp_path), "report.html", "cannot be written")
    assert not (tmp_path / "out" / "results.json").exists()


def test_plausible_credentials_still_hold_for_every_header_the_rule_now_names():
    with pytest.raises(SetupError):
        Config(headers=("X-Session: 42",)).validate()
