"""One typed config: pyproject.toml, then environment, then flags."""

from __future__ import annotations

import os
import re

import pytest

from conformance import config as config_module
from conformance.errors import SetupError
from conformance.options import BOOL, FLOAT, INT, LIST, STR, unread_environment


def test_layers_file_then_env_then_flags(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.voipbin-conformance]\nmax-examples = 7\nprofile = 'x'\nrequest-timeout = 2\n"
    )
    built = config_module.build(
        {"profile": "voipbin-2026-08", "seed": None},
        cwd=tmp_path,
        environ={"VOIPBIN_TOKEN": "secret", "VOIPBIN_PROFILE": "voipbin-2026-01"},
    )
    assert built.max_examples == 7 and built.request_timeout == 2.0
    assert built.profile == "voipbin-2026-08"  # the flag beats the environment, which beat the file
    assert built.token == "secret"
    assert "secret" not in repr(built)


def test_unknown_setting_suggests_the_right_one(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.voipbin-conformance]\nmax-exampels = 7\n")
    with pytest.raises(SetupError, match="did you mean max-examples"):
        config_module.build({}, cwd=tmp_path, environ={})


def test_secrets_do_not_belong_in_files(tmp_path):
    (tmp_path / "c.toml").write_text("token = 'x'\n")
    with pytest.raises(SetupError, match="VOIPBIN_TOKEN"):
        config_module.build({}, config_file=str(tmp_path / "c.toml"), environ={})


def test_wrong_types_say_what_was_expected(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.voipbin-conformance]\nmax-examples = 'many'\n")
    with pytest.raises(SetupError, match="max-examples expects an integer, got 'many'"):
        config_module.build({}, cwd=tmp_path, environ={})


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        (None, True),
        ("http://127.0.0.1:8000/v1.0", True),
        ("http://localhost/v1.0", True),
        ("http://[::1]:80", True),
        ("https://api.voipbin.net/v1.0", False),
        ("http://10.0.0.1/v1.0", False),
    ],
)
def test_only_the_embedded_mock_is_writable_by_default(url, loopback):
    """Loopback is no proof of a scratch server (a port-forward to production is loopback too)."""
    built = config_module.Config(base_url=url, token="t")
    assert built.loopback is loopback
    assert built.writes_allowed is (url is None)
    assert config_module.Config(base_url=url, token="t", allow_writes=True).writes_allowed
    assert (built.effective_rate_limit is None) is loopback


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        ({"request_timeout": float("nan")}, "--request-timeout"),
        ({"request_timeout": float("inf")}, "--request-timeout"),
        ({"request_timeout": 1e300}, "--request-timeout"),
        ({"max_time": -1.0}, "--max-time"),
        ({"max_time": float("nan")}, "--max-time"),
        ({"rate_limit": -1.0}, "--rate-limit"),
        ({"rate_limit": float("inf")}, "--rate-limit"),
        ({"workers": 10_000}, "--workers"),
        ({"max_response_bytes": 10}, "--max-response-bytes"),
        ({"max_examples": "abc"}, "--max-examples expects an integer, got 'abc' (e.g. --max-examples 10)"),
        ({"shard": "1/100000000"}, "--shard expects I/N with 1 <= I <= N <= 1000, got '1/100000000'"),
        ({"shard": "1/1001"}, "--shard expects I/N with 1 <= I <= N <= 1000"),
    ],
)
def test_values_no_run_can_use_are_refused(flags, fragment, tmp_path):
    with pytest.raises(SetupError, match=re.escape(fragment)):
        config_module.build(flags, cwd=tmp_path, environ={})


# -- files: every bad one is one SetupError that names the file, the setting, what was expected and what came ---------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"spec = '\xff\xfe'\n", "is not UTF-8 text (byte 0xff at offset 8)"),
        (b"spec = 123\n", "spec expects a string, got 123"),
        (b"headers = [1]\n", 'headers expects a list of strings (e.g. headers = ["X-Request-Source: nightly"])'),
        (b"[tool]\nvoipbin-conformance = 3\n", "tool.voipbin-conformance must be a table, got 3"),
        (b"checks = {a = 1}\n", "checks expects a list of strings, got a table"),
        (b"[max-examples]\nx = 1\n", "max-examples expects an integer, got a table"),
        (b"max-examples = true\n", "max-examples expects an integer, got true"),
        (b"max-examples = 2.5\n", "max-examples expects an integer, got 2.5"),
        (b"shard = 4\n", "shard expects a string, got 4"),
        (b"include = ['a']\n", "include expects a string, got ['a']"),
        (b"allow-writes = 'maybe'\n", "allow-writes expects true or false, got 'maybe'"),
        (b"allow-writes = 1\n", "allow-writes expects true or false, got 1"),
        (b"request-timeout = '5'\n", "request-timeout expects a number, got '5'"),
        (b"request-timeout = 0\n", "request-timeout must be a number of seconds above 0 and at most 600, got 0"),
        (b"shard = '1/100000000'\n", "shard expects I/N with 1 <= I <= N <= 1000"),
        (b"max-examples = \n", "is not valid TOML"),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
        (b"# " + b"x" * (1024 * 1024) + b"\n", "larger than 1024 KiB"),
        (b"max-examples = 3\n[tool.voipbin-conformance]\nseed = 1\n", "both at the top (max-examples)"),
        (b"ca-bundle = 'no-such.pem'\n", "ca-bundle must be a readable file, got 'no-such.pem'"),
    ],
)
def test_a_bad_config_file_is_one_error_naming_file_setting_and_values(content, fragment, tmp_path):
    path = tmp_path / "ci.toml"
    path.write_bytes(content)
    with pytest.raises(SetupError) as caught:
        config_module.build({}, config_file=str(path), environ={})
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"config file {path}")


def test_a_config_file_that_is_missing_or_a_directory_is_one_error(tmp_path):
    with pytest.raises(SetupError, match="not found"):
        config_module.build({}, config_file=str(tmp_path / "none.toml"), environ={})
    with pytest.raises(SetupError, match="could not be read"):
        config_module.build({}, config_file=str(tmp_path), environ={})


@pytest.mark.parametrize("key", ["token", "accesskey", "other-token", "password", "other-password", "other_password"])
def test_every_secret_option_is_refused_in_a_file(key, tmp_path):
    (tmp_path / "c.toml").write_text(f"{key} = 'hunter2-secret-value'\n")
    with pytest.raises(SetupError) as caught:
        config_module.build({}, config_file=str(tmp_path / "c.toml"), environ={})
    message = str(caught.value)
    assert "is a secret and does not belong in a file" in message
    assert f"VOIPBIN_{key.upper().replace('-', '_')}" in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "name", ["Authorization", "cookie", "Proxy-Authorization", "X-Api-Key", "X-Auth-Token", "X-Client-Secret"]
)
def test_credential_headers_are_refused_in_a_file_and_not_shown(name, tmp_path):
    (tmp_path / "c.toml").write_text(f"headers = ['X-Trace: 1', '{name}: hunter2-secret-value']\n")
    with pytest.raises(SetupError) as caught:
        config_module.build({}, config_file=str(tmp_path / "c.toml"), environ={})
    message = str(caught.value)
    assert f"headers {name} carries a credential and does not belong in a file" in message
    assert "-H or set VOIPBIN_HEADERS" in message
    assert "hunter2" not in message
    # the same rule, written once, decides what the reports redact
    assert config_module.Config(headers=(f"{name}: v",)).secret_headers == {name: "v"}


def test_headers_that_are_no_credential_are_fine_in_a_file(tmp_path):
    (tmp_path / "c.toml").write_text("headers = ['X-Trace: 1', 'Accept-Language: en, de']\n")
    built = config_module.build({}, config_file=str(tmp_path / "c.toml"), environ={})
    assert built.extra_headers == {"X-Trace": "1", "Accept-Language": "en, de"}
    assert built.secret_headers == {}


def test_a_malformed_header_is_refused_without_echoing_it(tmp_path):
    with pytest.raises(SetupError) as caught:
        config_module.build({"headers": ("Authorization Bearer hunter2",)}, cwd=tmp_path, environ={})
    assert "--header expects 'Name: value'" in str(caught.value) and "hunter2" not in str(caught.value)


# -- the environment: converted and validated like a flag, booleans strict ------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("false", False), ("0", False)]
)
def test_booleans_in_the_environment_are_true_or_false(text, value, tmp_path):
    built = config_module.build({}, cwd=tmp_path, environ={"VOIPBIN_ALLOW_WRITES": text, "VOIPBIN_INSECURE": "no"})
    assert built.allow_writes is value and built.insecure is False


@pytest.mark.parametrize("text", ["maybe", "on", "2", "tru"])
def test_anything_else_for_a_boolean_is_an_error_not_false(text, tmp_path):
    with pytest.raises(SetupError) as caught:
        config_module.build({}, cwd=tmp_path, environ={"VOIPBIN_ALLOW_WRITES": text})
    assert str(caught.value).startswith(f"VOIPBIN_ALLOW_WRITES={text}: expects true or false")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"VOIPBIN_MAX_EXAMPLES": "abc"},
            "VOIPBIN_MAX_EXAMPLES=abc: expects an integer (e.g. VOIPBIN_MAX_EXAMPLES=10)",
        ),
        ({"VOIPBIN_MAX_EXAMPLES": "0"}, "VOIPBIN_MAX_EXAMPLES=0: must be at least 1"),
        ({"VOIPBIN_REQUEST_TIMEOUT": "soon"}, "VOIPBIN_REQUEST_TIMEOUT=soon: expects a number"),
        ({"VOIPBIN_SHARD": "5/4"}, "VOIPBIN_SHARD=5/4: expects I/N with 1 <= I <= N <= 1000"),
        ({"VOIPBIN_HEADERS": "Authorization hunter2"}, "VOIPBIN_HEADERS: expects 'Name: value'"),
    ],
)
def test_the_environment_is_converted_and_errors_name_the_variable(environ, message, tmp_path):
    with pytest.raises(SetupError) as caught:
        config_module.build({}, cwd=tmp_path, environ=environ)
    assert str(caught.value).startswith(message)
    assert "hunter2" not in str(caught.value)


def test_the_environment_gives_typed_values(tmp_path):
    built = config_module.build(
        {},
        cwd=tmp_path,
        environ={
            "VOIPBIN_MAX_EXAMPLES": "3",
            "VOIPBIN_REQUEST_TIMEOUT": "2.5",
            "VOIPBIN_CHECKS": "pagination, json_response",
            "VOIPBIN_HEADERS": "X-Gateway-Key: a, b-0123456789abcd\nX-Trace: 1",
            "VOIPBIN_MIN_REACH": "",  # an empty variable is unset
        },
    )
    assert (built.max_examples, built.request_timeout, built.min_reach) == (3, 2.5, None)
    assert built.checks == ("pagination", "json_response")
    assert built.extra_headers == {"X-Gateway-Key": "a, b-0123456789abcd", "X-Trace": "1"}


# -- one declaration: the file, the environment and the flags agree on every option ---------------------------------


def _examples(tmp_path):
    pem = tmp_path / "x.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    text = {
        INT: "3",
        FLOAT: "2.5",
        BOOL: "true",
        STR: "some-value-0123456789",  # credentials included: 16 characters at least
        LIST: "json_response",
    }
    special = {
        "base_url": "https://api.example.test/v1.0",
        "include": "^GET /tags$",
        "exclude": "^GET /tags$",
        "shard": "2/4",
        "auth_probes": "every",
        "workers": str(min(2, os.cpu_count() or 1)),
        "max_response_bytes": "2048",
        "headers": "X-Trace: 1",
        "ca_bundle": str(pem),
        "client_cert": str(pem),
        "client_key": str(pem),
    }
    return {o.field: special.get(o.field, text[o.kind]) for o in config_module.RUN_OPTIONS}


def test_the_file_the_environment_and_the_flags_read_every_option_alike(tmp_path):
    import tomllib

    from conformance.cli import parser

    examples = _examples(tmp_path)
    public = [o for o in config_module.RUN_OPTIONS if not o.secret]  # secrets come from the environment instead
    argv = ["run"]
    for o in config_module.RUN_OPTIONS:
        argv += [o.flag] if o.kind is BOOL else [o.flag, examples[o.field]]
    from_flags = config_module.build(config_module.flags_from(parser().parse_args(argv)), cwd=tmp_path, environ={})
    from_env = config_module.build(
        {}, cwd=tmp_path, environ={o.env: examples[o.field] for o in config_module.RUN_OPTIONS}
    )
    lines = []
    for o in public:
        value = examples[o.field]
        literal = value if o.kind in (INT, FLOAT, BOOL) else repr(value)
        lines.append(f"{o.key} = {f'[{literal}]' if o.kind is LIST else literal}")
    (tmp_path / "c.toml").write_text("\n".join(lines) + "\n")
    assert tomllib.loads((tmp_path / "c.toml").read_text())
    secrets = {o.env: examples[o.field] for o in config_module.RUN_OPTIONS if o.secret}
    from_file = config_module.build({}, config_file=str(tmp_path / "c.toml"), environ=secrets)
    for o in config_module.RUN_OPTIONS:
        assert getattr(from_flags, o.field) == getattr(from_env, o.field), o.field
        assert getattr(from_file, o.field) == getattr(from_flags, o.field), o.field
        if o.field != "workers" or (os.cpu_count() or 1) > 1:
            assert getattr(from_flags, o.field) != o.default, f"{o.field}: the example is the default, proves nothing"


def test_pytest_offers_the_same_options_as_the_command_line():
    import argparse

    from conformance.cli import parser
    from conformance.engine.plugin import pytest_addoption

    top = parser()
    run = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices["run"]
    cli_flags = {s for a in run._actions for s in a.option_strings} - {"-h", "--help", "--config"}
    pytest_parser = pytest.Parser(_ispytest=True)
    pytest_addoption(pytest_parser)
    pytest_flags = {name for opt in pytest_parser.getgroup("voipbin-conformance").options for name in opt.names()}
    offered = {o.flag for o in config_module.RUN_OPTIONS if o.pytest} | {"-H"}
    assert pytest_flags - {"--conformance"} <= offered
    assert offered - pytest_flags <= {"--base-url"}  # pytest-base-url's own --base-url fills the same field
    assert cli_flags == {o.flag for o in config_module.RUN_OPTIONS} | {"-H"}


# -- the new options: declared, validated, paired ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        ({"ca_bundle": "no-such.pem"}, "--ca-bundle must be a readable file, got 'no-such.pem'"),
        ({"client_cert": "no-such.pem"}, "--client-cert must be a readable file"),
        ({"client_key": "{pem}"}, "--client-key needs --client-cert"),
        ({"other_username": "second"}, "--other-username and --other-password go together"),
        ({"other_password": "pw"}, "--other-username and --other-password go together"),
        ({"username": "first"}, "--username and --password go together"),
        ({"insecure": "maybe"}, "--insecure expects true or false, got 'maybe'"),
    ],
)
def test_new_options_are_validated(flags, fragment, tmp_path):
    (tmp_path / "k.pem").write_text("key")
    flags = {k: v.replace("{pem}", str(tmp_path / "k.pem")) for k, v in flags.items()}
    with pytest.raises(SetupError, match=re.escape(fragment)):
        config_module.build(flags, cwd=tmp_path, environ={})


def test_new_options_reach_the_config(tmp_path):
    (tmp_path / "k.pem").write_text("key")
    pem = str(tmp_path / "k.pem")
    built = config_module.build(
        {"client_cert": pem, "client_key": pem, "insecure": True},
        cwd=tmp_path,
        environ={
            "VOIPBIN_OTHER_USERNAME": "second",
            "VOIPBIN_OTHER_PASSWORD": "pw-of-the-second",
            "VOIPBIN_CA_BUNDLE": pem,
        },
    )
    assert (built.ca_bundle, built.client_cert, built.client_key, built.insecure) == (pem, pem, pem, True)
    assert (built.other_username, built.other_password) == ("second", "pw-of-the-second")
    assert "pw-of-the-second" not in repr(built)


@pytest.mark.parametrize(
    ("content", "environ", "fragment"),
    [
        (b"spec = '\xff'\n", {}, "is not UTF-8 text"),
        (b"headers = [1]\n", {}, "headers expects a list of strings"),
        (b"[tool]\nvoipbin-conformance = 3\n", {}, "tool.voipbin-conformance must be a table"),
        (b"headers = ['Authorization: Bearer x']\n", {}, "headers Authorization carries a credential"),
        (b"", {"VOIPBIN_MAX_EXAMPLES": "abc"}, "VOIPBIN_MAX_EXAMPLES=abc: expects an integer"),
    ],
)
def test_the_command_line_says_it_in_one_line_and_exits_2(content, environ, fragment, tmp_path):
    from tests.engine.test_cli import assert_one_line_error, cli

    (tmp_path / "ci.toml").write_bytes(content)
    assert_one_line_error(cli("run", "--config", "ci.toml", cwd=tmp_path, env=environ), fragment)


def test_only_voipbin_variables_nothing_reads_are_warned_of():
    environ = {
        "VOIPBIN_TOKEN": "t",  # an option's
        "VOIPBIN_TOKEN_2": "t",  # a repro's: a second credential the traffic carried
        "VOIPBIN_HEADER_X_API_KEY": "k",  # a repro's: a header's value
        "VOIPBIN_EXPIRED_TOKEN": "e",
        "VOIPBIN_MOCK_FAULT": "html_401",
        "VOIPBIN_NOTHING_LIKE_IT": "1",
        "HOME": "/root",
    }
    warnings = unread_environment(config_module.RUN_OPTIONS, environ)
    assert len(warnings) == 2
    assert "VOIPBIN_MOCK_FAULT is set" in warnings[0] and "did you mean VOIPBIN_MOCK_FAULTS?" in warnings[0]
    assert "VOIPBIN_NOTHING_LIKE_IT" in warnings[1] and "did you mean" not in warnings[1]
