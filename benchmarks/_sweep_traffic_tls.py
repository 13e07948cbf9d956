"""The sweep's live-shaped cases: the mock as users start it (`mock --tls --port P --username u --password p
--require-header ...`), then run and proxy with the TLS options; --insecure said everywhere; a conformant client
through the proxy; a password that is a verdict word."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from _sweep_common import ROOT, Got, Ran, cli, one_line_exit_2, results
from _sweep_proxy import proxy

GATEWAY = "X-Gateway-Key: k-sweep-gateway-77"
OUTPUTS = ("results.json", "report.html", "junit.xml", "summary.md")


@contextlib.contextmanager
def mock(folder: Path, password: str = "pw-sweep-tls-5") -> Iterator[tuple[int, Path]]:
    tls = folder / "tls"
    args = ["mock", "--tls", "--tls-dir", str(tls), "--port", "0", "--username", "u", "--password", password]
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", *args, "--require-header", GATEWAY],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = 0
    for line in process.stdout:
        if found := re.search(r"listening on https://127\.0\.0\.1:(\d+)", line):
            port = int(found.group(1))
            break
    try:
        yield port, tls / "ca.pem"
    finally:
        process.terminate()
        process.wait(30)


def _client_cert(folder: Path) -> Path:
    cert = folder / "client.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(cert),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=sweep-client",
        ],
        capture_output=True,
        check=True,
    )
    key, crt = cert.read_text().split("-----END PRIVATE KEY-----\n")
    cert.write_text(crt + key + "-----END PRIVATE KEY-----\n")
    return cert


def _run(folder: Path, port: int, *extra: str, env: dict[str, str] | None = None, report: str = "out") -> Ran:
    args = [
        "run",
        "--base-url",
        f"https://127.0.0.1:{port}/v1.0",
        "--username",
        "u",
        "-H",
        GATEWAY,
        "--max-examples",
        "1",
        "--include",
        "/agents",
        "--seed",
        "1",
        "--report-dir",
        report,
        "--record-har",
        f"{report}.har",
    ]
    return cli(*args, *extra, cwd=folder, env={"VOIPBIN_PASSWORD": "pw-sweep-tls-5", **(env or {})})


def _no_secret(folder: Path, ran: Ran, secrets: list[str], report: str = "out") -> list[str]:
    blob = (
        ran.out
        + ran.err
        + "".join((folder / report / n).read_text() for n in OUTPUTS if (folder / report / n).exists())
        + ((folder / f"{report}.har").read_text() if (folder / f"{report}.har").exists() else "")
    )
    return [s for s in secrets if s in blob]


def _tls_run(how: str) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        with mock(folder) as (port, ca):
            extra = {
                "ca_bundle": ["--ca-bundle", str(ca)],
                "env": [],
                "client_cert": ["--ca-bundle", str(ca), "--client-cert", str(_client_cert(folder))],
            }[how]
            ran = _run(folder, port, *extra, env={"REQUESTS_CA_BUNDLE": str(ca)} if how == "env" else None)
        leaked = _no_secret(folder, ran, ["pw-sweep-tls-5", "k-sweep-gateway-77"])
        verified = results(folder / "out")["summary"].get("tls_verified") if (folder / "out").exists() else None
        held = ran.rc in (0, 1) and not leaked and verified is True and "Traceback" not in ran.err
        return Got(f"exit {ran.rc} in {ran.seconds:.0f}s; tls_verified {verified}; leaked {leaked}", held)

    return case


def _wrong_ca(folder: Path) -> Got:
    with mock(folder) as (port, _):
        return one_line_exit_2(_run(folder, port, "--ca-bundle", str(_client_cert(folder))))


def _said_insecure(folder: Path, ran: Ran, har: str | None = None) -> list[str]:
    """The outputs that do not say the certificate was not verified."""
    out = folder / "out"
    silent = [] if results(out)["summary"].get("tls_verified") is False else ["results.json"]
    silent += [n for n in ("summary.md", "report.html") if "not verified" not in (out / n).read_text().lower()]
    silent += [] if 'name="tls_verified" value="False"' in (out / "junit.xml").read_text() else ["junit.xml"]
    silent += [] if "not verified" in (ran.out + ran.err).lower() else ["console"]
    if har:
        comments = json.loads((folder / har).read_text())["log"].get("comment", "")
        silent += [] if "not verified" in comments.lower() else ["HAR comment"]
    return silent


def _run_insecure(folder: Path) -> Got:
    with mock(folder) as (port, _):
        ran = _run(folder, port, "--insecure")
    silent = _said_insecure(folder, ran)
    return Got(f"exit {ran.rc}; silent about it: {silent}", ran.rc in (0, 1) and not silent)


def _proxied(folder: Path, *extra: str) -> tuple[Ran, int]:
    with mock(folder) as (port, _), proxy(folder, f"https://127.0.0.1:{port}", *extra) as running:
        token = requests.post(
            f"http://127.0.0.1:{running.port}/auth/login",
            json={"username": "u", "password": "pw-sweep-tls-5"},
            headers=dict([GATEWAY.split(": ")]),
            timeout=10,
        )
        auth = {"Authorization": f"Bearer {token.json().get('token')}", **dict([GATEWAY.split(": ")])}
        got = requests.get(f"http://127.0.0.1:{running.port}/v1.0/agents", headers=auth, timeout=10)
        running.stop()
    return Ran(running.rc or 0, running.out, running.err, 0), got.status_code


def _proxy_tls(insecure: bool) -> Callable[[Path], Got]:
    def case(folder: Path) -> Got:
        extra = ["--insecure"] if insecure else ["--ca-bundle", str(folder / "tls" / "ca.pem")]
        ran, status = _proxied(folder, *extra)
        silent = _said_insecure(folder, ran, "proxy.har") if insecure else []
        leaked = _no_secret(folder, ran, ["pw-sweep-tls-5", "k-sweep-gateway-77"]) + [
            s for s in ("pw-sweep-tls-5", "k-sweep-gateway-77") if s in (folder / "proxy.har").read_text()
        ]
        held = status == 200 and not silent and not leaked and "Traceback" not in ran.err
        return Got(f"client got {status}; exit {ran.rc}; silent about --insecure: {silent}; leaked {leaked}", held)

    return case


def _proxy_wrong_ca(folder: Path) -> Got:
    with (
        mock(folder) as (port, _),
        proxy(folder, f"https://127.0.0.1:{port}", "--ca-bundle", str(_client_cert(folder))) as running,
    ):
        got = requests.get(f"http://127.0.0.1:{running.port}/v1.0/agents", timeout=20)
        running.stop()
    said = "certificate" in got.text.lower() or "not trusted" in got.text.lower()
    held = got.status_code == 502 and said and "Traceback" not in running.err
    return Got(f"client got {got.status_code}: {got.text.strip()[:120]!r}; exit {running.rc}", held)


def _judge_insecure(folder: Path) -> Got:
    (folder / "t.har").write_text('{"log": {"entries": []}}')
    return one_line_exit_2(cli("judge", "t.har", "--insecure", cwd=folder))


def _conformant_client(folder: Path) -> Got:
    sys.path.insert(0, str(ROOT))
    from tests.engine._integration import Recording, integration, mock_target

    with mock_target() as (origin, _), proxy(folder, origin, "--profile", "voipbin-2026-08") as running:
        integration(f"http://127.0.0.1:{running.port}", Recording())
        running.stop()
    summary = results(folder / "out")["summary"]
    findings = results(folder / "out")["findings"]
    checks = sorted({f.get("check", "?") for f in findings})
    held = not findings and running.rc == 0
    return Got(f"exit {running.rc}; {summary.get('exchanges')} exchanges; {len(findings)} findings {checks}", held)


def _verdict_password(word: str) -> Callable[[Path], Got]:
    """VOIPBIN_PASSWORD=WORD for two shards, merged: the verdict words stay words."""

    def case(folder: Path) -> Got:
        with mock(folder, password=word) as (port, ca):
            ran = [
                cli(
                    "run",
                    "--base-url",
                    f"https://127.0.0.1:{port}/v1.0",
                    "--username",
                    "u",
                    "-H",
                    GATEWAY,
                    "--ca-bundle",
                    str(ca),
                    "--max-examples",
                    "1",
                    "--include",
                    "/agents",
                    "--seed",
                    "1",
                    "--shard",
                    f"{i}/2",
                    "--report-dir",
                    f"s{i}",
                    cwd=folder,
                    env={"VOIPBIN_PASSWORD": word},
                )
                for i in (1, 2)
            ]
        merged = cli("merge", "s1/results.json", "s2/results.json", "--report-dir", "m", cwd=folder)
        texts = [
            (folder / d / n).read_text()
            for d in ("s1", "m")
            for n in ("summary.md", "junit.xml")
            if (folder / d / n).exists()
        ]
        mangled = [t.splitlines()[2][:80] for t in texts if "${VOIPBIN_PASSWORD}" in t]
        rcs = [r.rc for r in ran] + [merged.rc]
        held = all(rc in (0, 1) for rc in rcs) and not mangled and len(texts) == 4
        return Got(f"exits {rcs}; reports mangled: {mangled[:2]}", held)

    return case


CASES = [
    (
        "tls_run_ca_bundle",
        "mock --tls --username --password --require-header; run --ca-bundle",
        "verified, no secret",
        _tls_run("ca_bundle"),
    ),
    ("tls_run_requests_ca_bundle", "the same with REQUESTS_CA_BUNDLE", "verified", _tls_run("env")),
    ("tls_run_client_cert", "the same with --client-cert (cert+key in one PEM)", "verified", _tls_run("client_cert")),
    ("tls_run_wrong_ca", "run --ca-bundle of another CA", "one line, exit 2", _wrong_ca),
    (
        "tls_run_insecure",
        "run --insecure",
        "said in results.json, junit.xml (property), console, summary.md, report.html",
        _run_insecure,
    ),
    (
        "tls_proxy_ca_bundle",
        "proxy --upstream https://… --ca-bundle, a client logs in and reads",
        "200, no secret",
        _proxy_tls(False),
    ),
    ("tls_proxy_insecure", "proxy --insecure", "said in every output and the HAR comment", _proxy_tls(True)),
    (
        "tls_proxy_wrong_ca",
        "proxy --ca-bundle of another CA",
        "502 saying the certificate is not trusted",
        _proxy_wrong_ca,
    ),
    ("tls_judge_insecure", "judge --insecure", "n/a: one line, exit 2", _judge_insecure),
    (
        "conformant_client_proxy",
        "tests/engine/_integration.py's client through the proxy",
        "0 findings",
        _conformant_client,
    ),
    ("password_passed", "VOIPBIN_PASSWORD=passed, two shards merged", "reports intact", _verdict_password("passed")),
    ("password_failed", "VOIPBIN_PASSWORD=failed, two shards merged", "reports intact", _verdict_password("failed")),
]
