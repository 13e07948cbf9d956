"""One typed config: pyproject.toml, then environment, then flags."""

from __future__ import annotations

import pytest

from conformance import config as config_module
from conformance.errors import SetupError


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
    with pytest.raises(SetupError, match="expects int"):
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
    ],
)
def test_values_no_run_can_use_are_refused(flags, fragment, tmp_path):
    with pytest.raises(SetupError, match=fragment):
        config_module.build(flags, cwd=tmp_path, environ={})
