"""Credentials become references in repros and [REDACTED] elsewhere; page tokens stay."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from conformance.checks import Exchange
from conformance.redact import REDACTED, Redactor, header_variable

TOKEN_VALUE = "tok.en.value-0123456789"
KEY_VALUE = "AK1234567890abcdef"


def test_curl_references_secrets_and_keeps_page_tokens():
    redactor = Redactor({"VOIPBIN_TOKEN": TOKEN_VALUE, "VOIPBIN_ACCESSKEY": KEY_VALUE})
    exchange = Exchange(
        "GET /calls",
        "GET",
        f"http://h/v1.0/calls?page_token=2026-01-01+00%3A00&accesskey={KEY_VALUE}",
        {"Authorization": f"Bearer {TOKEN_VALUE}", "User-Agent": "x"},
        b'{"a": "it\'s $HOME"}',
    )
    curl = redactor.curl(exchange)
    assert TOKEN_VALUE not in curl and KEY_VALUE not in curl
    assert '"Authorization: Bearer ${VOIPBIN_TOKEN}"' in curl
    assert "page_token=2026-01-01" in curl
    words = shlex.split(curl)  # a shell can read it
    assert words[:4] == ["curl", "-sS", "-X", "GET"]
    assert words[-2] == '{"a": "it\'s $HOME"}'  # the body comes back exactly, unexpanded


def test_text_and_files_are_scrubbed(tmp_path):
    long, longer = "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz"
    redactor = Redactor({"VOIPBIN_TOKEN": long, "VOIPBIN_OTHER_TOKEN": longer})
    assert redactor.text(f"x {longer} y {long.upper()}") == "x [REDACTED] y [REDACTED]"
    path = tmp_path / "r.html"
    path.write_text(f"token {longer}")
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


# -- every alignment of base64, and no secret of any length "redacted" ----------------------------------------------

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJjdXN0b21lcl9pZCI6ImMtMSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
ACCESSKEY = "b9c1e4f0a7d24c3e9f1a2b3c4d5e6f70"
PASSWORD = "correct-horse-battery-staple"


def _determined(encoded_len: int, offset: int, length: int) -> range:
    """The characters of a base64 text fully determined by the `length` bytes at byte `offset`."""
    first = -(-8 * offset // 6)  # ceil
    last = 8 * (offset + length) // 6
    return range(first, min(last, encoded_len))


@pytest.mark.parametrize("secret", [TOKEN, ACCESSKEY, PASSWORD])
@pytest.mark.parametrize("before", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("after", [b"", b"\n", b"x", b"xy", b":more text"])
@pytest.mark.parametrize("alphabet", ["std", "urlsafe"])
def test_base64_of_a_secret_is_redacted_at_every_alignment(secret, before, after, alphabet):
    import base64

    encode = base64.b64encode if alphabet == "std" else base64.urlsafe_b64encode
    redactor = Redactor({"VOIPBIN_TOKEN": TOKEN, "VOIPBIN_ACCESSKEY": ACCESSKEY, "VOIPBIN_PASSWORD": PASSWORD})
    raw = b"u" * before + secret.encode() + after
    encoded = encode(raw).decode()
    cleaned = redactor.text(f"Authorization: Basic {encoded}")
    # Not one character that only the secret determines survives (before: 129 of 131 did, at offset 0 + "\n").
    kept = [encoded[i] for i in _determined(len(encoded), before, len(secret))]
    assert REDACTED in cleaned, (before, after)
    survivors = "".join(cleaned.split(REDACTED))
    assert len(survivors) <= len(f"Authorization: Basic {encoded}") - len(kept), (before, after, cleaned)


@pytest.mark.parametrize("secret", ['"', "a", "<", "&", "\\", "1", "true", ":", "short-secret"])
def test_a_short_secret_is_never_redacted_as_a_substring(tmp_path, secret):
    """A login answering the token `"` wiped every quote from the reports: results.json no longer parsed."""
    redactor = Redactor({"VOIPBIN_TOKEN": secret, "VOIPBIN_PASSWORD": secret})
    document = json.dumps({"a": '1 true <x> & \\ "q"', "b": [1, True, None], "c": secret}, indent=2)
    assert redactor.text(document) == document
    page = tmp_path / "junit.xml"
    page.write_text('<?xml version="1.0"?><t a="1 &amp; &quot;x&quot;">true &lt; 1</t>')
    before = page.read_text()
    redactor.scrub_files([str(page)])
    assert page.read_text() == before


def test_a_short_password_is_redacted_where_it_stands_whole():
    """Its length is not the user's to choose: redacted as a whole value (an echo of it), never inside text."""
    redactor = Redactor({"VOIPBIN_PASSWORD": "hunter2"})
    assert redactor.value("hunter2") == REDACTED
    echoed = redactor.value('{"user": "agent", "password": "hunter2", "hint": "hunter2x"}')
    assert json.loads(echoed) == {"user": "agent", "password": REDACTED, "hint": "hunter2x"}
    # A report's own words are not values from the traffic (those were redacted as they were taken in): a
    # password `failed` once rewrote the verdict and a tally's key, and merge refused the results.
    failed = Redactor({"VOIPBIN_PASSWORD": "failed"})
    report = {"verdict": "failed", "checks": {"id_format": {"failed": 2}}, "message": "login failed"}
    assert failed.data(report) == report and failed.safe("Verdict: failed") == "Verdict: failed"
    assert failed.value('{"password": "failed"}') == '{"password": "[REDACTED]"}'
    assert redactor.text('{"password": "hunter2"}') == '{"password": "hunter2"}'  # serialized: never touched


@pytest.mark.parametrize(
    "secret",
    [
        'A"A' + "b" * 14,
        "nAAAAAAAAAAAAAAAAAAA",
        "u0041AAAAAAAAAAAAAAAAA",
        "quot;AAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAA&",
        "AAAAAAAAAAAAAAAAAA<",
        "AAAAAAAAAAAAAAAAAA\\",
        "/AAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAA'",
    ],
)
def test_redacting_a_long_secret_never_breaks_json_or_xml(secret):
    """A target that knows the secret (it issued it) echoes it next to escapes and delimiters: the outputs
    stay parseable whatever it echoes."""
    from xml.etree import ElementTree

    redactor = Redactor({"VOIPBIN_TOKEN": secret, "VOIPBIN_PASSWORD": secret})
    echoes = [secret, secret[1:], secret[:-1], "\n" + secret[1:], "\\" + secret, secret + '"', "é" + secret[1:]]
    echoes += ['"' + secret[1:], "&" + secret, "<" + secret, secret + "\\", secret[:-1] + "\n"]
    data = {"echo": echoes, secret: secret, "tail": secret[:-1]}
    for text in (json.dumps(data), json.dumps(data, ensure_ascii=False), json.dumps(json.dumps(data))):
        cleaned = redactor.text(text)
        json.loads(cleaned)
    root = ElementTree.Element("t", a=secret[:-1], b=secret)
    for echo in echoes:
        ElementTree.SubElement(root, "e", v=echo).text = echo
    xml = ElementTree.tostring(root, encoding="unicode")
    ElementTree.fromstring(redactor.text(xml))
    written = redactor.text(json.dumps(redactor.data(data), ensure_ascii=False))  # the exit: values, then text
    assert not any(secret in echo for echo in json.loads(written)["echo"])  # no value read back holds it


# -- header-name references -------------------------------------------------------------------------------------------

_TCHAR = "!#$%&'*+-.^_`|~"


def test_every_header_name_maps_to_its_own_shell_variable():
    names = ["X-Api2-Key", "X-Api-Key", "X_Api_Key", "x-api-key-", "X--Api-Key", "X-Api-Key-5F", "X_5FApi-Key"]
    names += [f"X{c}Key" for c in _TCHAR] + [f"{c}Key" for c in _TCHAR] + ["2fa-Token", "9"]
    variables = {}
    for name in names:
        variable = header_variable(name)
        assert re.fullmatch(r"VOIPBIN_HEADER_[A-Z0-9_]+", variable), (name, variable)
        assert header_variable(name) == variable  # deterministic
        assert header_variable(name.lower()) == variable  # header names are case-insensitive
        variables.setdefault(variable, set()).add(name.lower())
    assert all(len(found) == 1 for found in variables.values()), variables
    assert header_variable("X-Api2-Key") == "VOIPBIN_HEADER_X_API2_KEY"  # readable where it can be
    assert header_variable("X-Gateway-Key") == "VOIPBIN_HEADER_X_GATEWAY_KEY"


@pytest.mark.parametrize("name", ["X-Api2-Key", "X_Api.Key", "X-Key~1", "Authorization"])
def test_a_repro_expands_every_header_reference(name):
    value = "gw-0123456789abcdef"
    variable = header_variable(name)
    redactor = Redactor({variable: value})
    exchange = Exchange("GET /calls", "GET", "http://h/v1.0/calls", {name: value}, None)
    curl = redactor.curl(exchange)
    assert value not in curl
    words = shlex.split(curl)
    assert f"{name}: ${{{variable}}}" in words  # shlex keeps ${...}: the shell expands it
    assert "\\$" not in curl


@pytest.mark.parametrize("name", ["X-Api2-Key", "X-Gw2-Token", "X_Gw-Key"])
def test_a_run_repro_sends_the_header_value_from_its_variable(name):
    """Before: the repro sent the literal `${VOIPBIN_HEADER_X_API2_KEY}` (a digit in the name)."""
    import os
    import subprocess

    from conformance.config import Config
    from conformance.engine.runtime import redactor_for

    value = "gw-0123456789abcdef"
    redactor = redactor_for(Config(headers=(f"{name}: {value}",)))
    curl = redactor.curl(Exchange("GET /calls", "GET", "http://h/v1.0/calls", {name: value}, None))
    assert value not in curl
    shown = curl.replace("curl", "printf '%s\\n'", 1)
    env = {**os.environ, header_variable(name): value}
    done = subprocess.run(["sh", "-c", shown], env=env, capture_output=True, text=True, check=True)
    assert f"{name}: {value}" in done.stdout.splitlines()


@pytest.mark.parametrize("secret", ["p@ss!", "hunter2", "Pa55word12", "k3y-1234567", "pässwörd1", "aK+/b=c&d/e+f==zz"])
def test_a_credential_of_any_length_is_redacted_in_every_value_position(secret):
    """8 to 15 characters were learned and never redacted; shorter ones only where they were a whole value."""
    from urllib.parse import quote, quote_plus

    redactor = Redactor({"VOIPBIN_PASSWORD": secret})
    positions = [
        f"sid={secret}; theme=dark",
        f"http://agent:{quote(secret, safe='')}@api.test/v1.0/calls",
        f"username=agent&password={quote_plus(secret)}&remember=1",
        json.dumps({"password": secret}),
        json.dumps(json.dumps({"password": secret})),
        f"Basic {secret}",
    ]
    for text in positions:
        for cleaned in (redactor.value(text), redactor.as_reference(text)):
            assert secret not in cleaned and quote(secret, safe="") not in cleaned, (text, cleaned)
            assert json.dumps(secret)[1:-1] not in cleaned, (text, cleaned)
    assert "theme=dark" in redactor.value(positions[0]) and "remember=1" in redactor.value(positions[2])


def test_five_thousand_secrets_are_all_redacted_and_none_rebuilds_the_others():
    import time

    secrets = [f"tok-{n:05d}-{'q' * 12}" for n in range(5000)]
    redactor = Redactor({})
    started = time.monotonic()
    for n, secret in enumerate(secrets):
        redactor.add(f"VOIPBIN_TOKEN_{n}", secret)
        assert redactor.value(f"X-Csrf-Token: {secret}") == f"X-Csrf-Token: {REDACTED}"
    assert time.monotonic() - started < 30  # 5,000 rebuilds of the old redactor: minutes
    document = json.dumps({"tokens": secrets})
    assert "tok-" not in redactor.text(document) and "tok-" not in redactor.safe(document)


@pytest.mark.parametrize("password", ["unknown_route_envelope", "unknown_route_env"])
def test_a_password_that_spells_a_check_id_never_rewrites_the_tallies(password):
    """results.json's tallies are keyed by check id: rewritten, merge refused the file ('... is missing')."""
    redactor = Redactor({"VOIPBIN_PASSWORD": password})
    results = {"summary": {"checks": {"unknown_route_envelope": {"failed": 1}}}}
    assert redactor.data(results) == results and redactor.text(json.dumps(results)) == json.dumps(results)
    assert redactor.value(f"username=agent&password={password}") == f"username=agent&password={REDACTED}"


def test_a_short_password_never_rewrites_a_findings_key():
    """A key names the kind of violation (`media:html`): rewritten, the finding's problem and fingerprint move."""
    from conformance.checks import Fail
    from conformance.results.finding import Finding

    finding = Finding.of(
        "json_response", "GET /x", Fail("echoed: password=html", "media:html"), Redactor({"VOIPBIN_PASSWORD": "html"})
    )
    assert finding.key == "media:html" and finding.message == f"echoed: password={REDACTED}"
