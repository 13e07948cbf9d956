"""HTTPS targets as users meet them: trusted by the system, a CA bundle or REQUESTS_CA_BUNDLE, a client certificate
for a gateway that wants one; untrusted or misconfigured, one line and exit 2; bounded in time and bytes as plain
HTTP is."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from conformance.checks import Request
from conformance.cli import main
from conformance.client.client import EngineClient
from conformance.client.tls import TLS
from conformance.client.transport import make_session
from conformance.config import Config
from conformance.engine._preflight import preflight
from conformance.engine.runtime import build_runtime
from conformance.errors import SetupError
from conformance.results.finding import Recorder
from tests._servers import serve
from tests._tls import client_files, server_context, server_files

pytestmark = pytest.mark.http

_LIST = b'{"result": [], "next_page_token": ""}'


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    return server_files(directory), client_files(directory)


@pytest.fixture(scope="module")
def hostile_tls(pki):
    """Over TLS: a fine list, an answer that never comes, a body that dribbles, a body that never ends."""
    release = threading.Event()

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        start_response("200 OK", [("Content-Type", "application/json")])
        if path == "/never":
            release.wait(30)
        if path == "/drip":
            return iter(lambda: time.sleep(0.1) or b" ", None)
        if path == "/endless":
            return iter(lambda: b"[" * 65536, None)
        return [_LIST]

    with serve(app, tls=server_context(pki[0])) as url:
        yield url
    release.set()


@pytest.fixture
def clean_env(monkeypatch):
    """No CA bundle from the environment: the run trusts what each test gives it."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _client(make_runtime, url: str, tls: TLS, **config) -> EngineClient:
    runtime = make_runtime()
    runtime.config = dataclasses.replace(runtime.config, **config)
    runtime.base_url = url
    runtime.session = make_session(rate_limit=None, base_url=url, tls=tls)
    runtime.session.max_bytes = runtime.config.max_response_bytes
    return EngineClient(runtime, Recorder())


def test_an_https_target_answers_through_the_watched_pool(clean_env, pki, hostile_tls):
    session = make_session(rate_limit=None, base_url=hostile_tls, tls=TLS(ca_bundle=pki[0].ca))
    response = session.get(hostile_tls + "/fine", timeout=5)
    assert response.status_code == 200 and response.content == _LIST


@pytest.mark.parametrize("path", ["/never", "/drip"])
def test_a_tls_target_that_never_answers_or_dribbles_ends_at_the_deadline(
    make_runtime, clean_env, pki, hostile_tls, path
):
    client = _client(make_runtime, hostile_tls, TLS(ca_bundle=pki[0].ca), request_timeout=0.8)
    started = time.monotonic()
    exchange = client.send("GET /tags", "GET", Request(path), purpose="probe")
    assert time.monotonic() - started < 10  # the 0.8 s deadline, not the target's 30 s or endless (margin: busy CI)
    assert exchange.status is None and "no complete answer within 0.8s" in (exchange.error or "")


def test_an_endless_tls_body_stops_at_the_cap(make_runtime, clean_env, pki, hostile_tls):
    client = _client(make_runtime, hostile_tls, TLS(ca_bundle=pki[0].ca), max_response_bytes=1_000_000)
    exchange = client.send("GET /tags", "GET", Request("/endless"), purpose="probe")
    assert exchange.status is None and "oversized" in (exchange.error or "")


@pytest.fixture
def silent_listener():
    """Accepts TCP connections and never says a word: a TLS handshake that never completes."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for sock in held:
        sock.close()
    listener.close()


def test_a_handshake_that_never_completes_ends_at_the_deadline(make_runtime, clean_env, pki, silent_listener):
    client = _client(make_runtime, silent_listener, TLS(ca_bundle=pki[0].ca), request_timeout=0.8)
    started = time.monotonic()
    exchange = client.send("GET /tags", "GET", Request("/x"), purpose="probe")
    assert time.monotonic() - started < 10  # the deadline, not the silent target (margin: a busy CI)
    assert exchange.status is None and exchange.error is not None


# -- trust --------------------------------------------------------------------------------------------------------


def _runtime(url: str, **config):
    return build_runtime(Config(base_url=url, token="t" * 32, seed=1, **config).validate())


def _preflight(url: str, **config) -> None:
    runtime = _runtime(url, **config)
    try:
        preflight(runtime)
    finally:
        runtime.close()


def test_a_target_the_client_does_not_trust_is_one_line_that_says_what_to_do(clean_env, hostile_tls):
    with pytest.raises(SetupError) as refused:
        _preflight(hostile_tls)
    assert "TLS certificate is not trusted" in str(refused.value)
    assert "--ca-bundle" in str(refused.value) and "REQUESTS_CA_BUNDLE" in str(refused.value)


def test_trust_by_ca_bundle_by_environment_and_by_system_store(clean_env, pki, hostile_tls, tmp_path):
    _preflight(hostile_tls, ca_bundle=pki[0].ca)
    clean_env.setenv("REQUESTS_CA_BUNDLE", pki[0].ca)
    _preflight(hostile_tls)
    clean_env.delenv("REQUESTS_CA_BUNDLE")
    # The system store: OpenSSL's default locations, which SSL_CERT_FILE points elsewhere (requests alone reads
    # only certifi's bundle, so a CA installed on the machine was not trusted).
    clean_env.setenv("SSL_CERT_FILE", pki[0].ca)
    _preflight(hostile_tls)


def test_insecure_skips_verification_and_says_so(clean_env, hostile_tls, capsys):
    _preflight(hostile_tls, insecure=True)
    assert "TLS NOT VERIFIED (--insecure)" in capsys.readouterr().err


@pytest.fixture(scope="module")
def mutual_tls(pki):
    """A gateway that completes the handshake only for a client certificate signed by the client CA."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [_LIST]

    with serve(app, tls=server_context(pki[0], client_ca=pki[1][0])) as url:
        yield url


def test_a_gateway_that_wants_a_client_certificate(clean_env, pki, mutual_tls):
    _, cert, key = pki[1]
    _preflight(mutual_tls, ca_bundle=pki[0].ca, client_cert=cert, client_key=key)
    with pytest.raises(SetupError) as refused:
        _preflight(mutual_tls, ca_bundle=pki[0].ca)
    assert "--client-cert" in str(refused.value)


def test_a_session_presents_the_client_certificate(clean_env, pki, mutual_tls):
    _, cert, key = pki[1]
    session = make_session(rate_limit=None, base_url=mutual_tls, tls=TLS(pki[0].ca, cert, key))
    assert session.get(mutual_tls + "/x", timeout=5).status_code == 200


def test_https_to_a_plain_http_port_says_to_check_the_scheme(clean_env):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [_LIST]

    with serve(app) as url, pytest.raises(SetupError) as refused:
        _preflight("https://" + url.removeprefix("http://"))
    assert "does not speak TLS" in str(refused.value) and "http://" in str(refused.value)


# -- bad files: one line, exit 2 ----------------------------------------------------------------------------------


def _bad(capsys, *args: str) -> str:
    code = main(["run", "--base-url", "https://127.0.0.1:9/v1.0", "--token", "t" * 32, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_unusable_tls_files_are_one_line_and_exit_2(clean_env, pki, capsys, tmp_path):
    _, cert, key = pki[1]
    missing = str(tmp_path / "missing.pem")
    (tmp_path / "empty.pem").write_text("")
    assert "--ca-bundle" in _bad(capsys, "--ca-bundle", missing, "--report-dir", str(tmp_path))
    assert "no certificate" in _bad(capsys, "--ca-bundle", str(tmp_path / "empty.pem"), "--report-dir", str(tmp_path))
    assert "--client-cert" in _bad(capsys, "--client-cert", missing, "--report-dir", str(tmp_path))
    assert "--client-key" in _bad(capsys, "--client-cert", cert, "--client-key", missing, "--report-dir", str(tmp_path))
    assert "--client-key needs --client-cert" in _bad(capsys, "--client-key", key, "--report-dir", str(tmp_path))
    mismatch = _bad(capsys, "--client-cert", cert, "--client-key", pki[0].key, "--report-dir", str(tmp_path))
    assert "not a PEM certificate and its private key" in mismatch
    clean_env.setenv("REQUESTS_CA_BUNDLE", missing)
    assert "REQUESTS_CA_BUNDLE" in _bad(capsys, "--report-dir", str(tmp_path))


def test_an_encrypted_client_key_is_refused_without_a_prompt(clean_env, pki, capsys, tmp_path):
    from cryptography.hazmat.primitives import serialization

    _, cert, key = pki[1]
    plain = serialization.load_pem_private_key(Path(key).read_bytes(), None)
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        plain.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    line = _bad(capsys, "--client-cert", cert, "--client-key", str(encrypted), "--report-dir", str(tmp_path))
    assert "encrypted" in line


def test_a_login_through_tls_that_is_not_trusted_says_what_to_do(clean_env, hostile_tls):
    with pytest.raises(SetupError) as refused:
        build_runtime(Config(base_url=hostile_tls, username="u", password="p", seed=1).validate())
    assert "not trusted" in str(refused.value) and "--ca-bundle" in str(refused.value)


def test_insecure_and_a_ca_bundle_contradict(clean_env, pki, hostile_tls):
    with pytest.raises(SetupError, match="contradict"):
        _runtime(hostile_tls, insecure=True, ca_bundle=pki[0].ca)


def test_requests_reads_no_ca_bundle_per_request(clean_env, pki, hostile_tls):
    """REQUESTS_CA_BUNDLE is read once, when the session is made, and really applies to every request."""
    clean_env.setenv("REQUESTS_CA_BUNDLE", pki[0].ca)
    session = make_session(rate_limit=None, base_url=hostile_tls)
    clean_env.delenv("REQUESTS_CA_BUNDLE")
    assert session.verify == pki[0].ca and not session.trust_env
    assert session.get(hostile_tls + "/fine", timeout=5).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        make_session(rate_limit=None, base_url=hostile_tls).get(hostile_tls + "/fine", timeout=5)
