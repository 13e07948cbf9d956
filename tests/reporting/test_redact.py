"""Credentials become references in repros and [REDACTED] elsewhere; page tokens stay."""

from __future__ import annotations

import shlex

from conformance._redact import Redactor
from conformance.checks import Exchange


def test_curl_references_secrets_and_keeps_page_tokens():
    redactor = Redactor({"VOIPBIN_TOKEN": "tok.en.value", "VOIPBIN_ACCESSKEY": "AK123"})
    exchange = Exchange(
        "GET /calls",
        "GET",
        "http://h/v1.0/calls?page_token=2026-01-01+00%3A00&accesskey=AK123",
        {"Authorization": "Bearer tok.en.value", "User-Agent": "x"},
        b'{"a": "it\'s $HOME"}',
    )
    curl = redactor.curl(exchange)
    assert "tok.en.value" not in curl and "AK123" not in curl
    assert '"Authorization: Bearer ${VOIPBIN_TOKEN}"' in curl
    assert "page_token=2026-01-01" in curl
    words = shlex.split(curl)  # a shell can read it
    assert words[:4] == ["curl", "-sS", "-X", "GET"]
    assert words[-2] == '{"a": "it\'s $HOME"}'  # the body comes back exactly, unexpanded


def test_text_and_files_are_scrubbed(tmp_path):
    redactor = Redactor({"VOIPBIN_TOKEN": "abc", "VOIPBIN_OTHER_TOKEN": "abcdef"})
    assert redactor.text("x abcdef y abc") == "x [REDACTED] y [REDACTED]"
    path = tmp_path / "r.html"
    path.write_text("token abcdef")
    redactor.scrub_files([str(path), str(tmp_path / "missing")])
    assert path.read_text() == "token [REDACTED]"


def test_every_spelling_of_a_credential_is_redacted():
    import base64
    import json
    from urllib.parse import quote

    import jwt

    token = jwt.encode({"customer_id": "c-1", "exp": 2000000000}, "k" * 32, algorithm="HS256")
    key = "aK+/b=c&d/e+f==zz"
    redactor = Redactor({"VOIPBIN_TOKEN": token, "VOIPBIN_ACCESSKEY": key})
    header, payload, signature = token.split(".")
    echoes = [
        f"?accesskey={quote(key, safe='')}",
        f"?accesskey={key.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D').replace('&', '%26')}",
        '{"echo": "' + key.replace("/", "\\/") + '"}',
        json.dumps('{"echo": "' + key.replace("/", "\\/") + '"}'),
        json.dumps({"echo": key}),
        base64.b64encode(token.encode()).decode(),
        base64.b64encode(f"Bearer {token}".encode()).decode(),
        base64.urlsafe_b64encode(f"x:{key}".encode()).decode(),
        f"signature only: {signature}",
        f"claims only: {payload}",
    ]
    for echo in echoes:
        cleaned = redactor.text(echo)
        assert "[REDACTED]" in cleaned, echo
    assert header in redactor.text(header)  # the header alone is the same for every HS256 token: no secret


def test_short_secrets_are_redacted_as_given_only():
    redactor = Redactor({"VOIPBIN_TOKEN": "abc"})
    assert redactor.text("YWJj abc %61bc") == "YWJj [REDACTED] %61bc"
