"""The sweep's cases against targets outside the process: the mock as a live one (TLS, login, a gateway header),
and Stoplight Prism, which nobody here wrote."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _sweep_common import ROOT, SOURCES, Got, cli, results

PASSWORD = "sweep-password-5551212"  # made up: it must appear in no output
GATEWAY = "gateway-key-sweep-0123456789"
PRISM = Path(os.environ.get("PRISM", "/work/prismcli/node_modules/.bin/prism"))


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _everything(folder: Path, ran: Any) -> str:
    texts = [ran.out, ran.err]
    texts += [p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file() and p.suffix != ".pem"]
    return "\n".join(texts)


def live_tls(folder: Path) -> Got:
    """The mock over TLS with a login and a gateway header, run as a live target, read-only, under a budget."""
    port, tls = _port(), folder / "tls"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mock = subprocess.Popen(
        [sys.executable, "-m", "conformance", "mock", "--tls", "--tls-dir", str(tls), "--port", str(port),
         "--username", "u", "--password", PASSWORD, "--require-header", f"X-Gateway-Key: {GATEWAY}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not _wait(port, 20):
            return Got("the mock did not start", False)
        ran = cli("run", "--base-url", f"https://127.0.0.1:{port}/v1.0", "--username", "u", "--ca-bundle",
                  str(tls / "ca.pem"), "-H", f"X-Gateway-Key: {GATEWAY}", "--max-requests", "150", "--max-examples",
                  "2", "--seed", "1", "--include", "/agents", "--report-dir", "out", "--record-har", "out/run.har",
                  cwd=folder, env={"VOIPBIN_PASSWORD": PASSWORD})  # fmt: skip
    finally:
        mock.terminate()
        mock.wait(timeout=10)
    if not (folder / "out" / "results.json").exists():
        return Got(f"exit {ran.rc}: {ran.err.strip()[-200:]}", False)
    summary = results(folder / "out")["summary"]
    entries = json.loads((folder / "out" / "run.har").read_text())["log"]["entries"]
    writes = [e for e in entries if e["request"]["method"] != "GET" and 200 <= e["response"]["status"] < 300]
    leaked = [s for s in (PASSWORD, GATEWAY) if s in _everything(folder / "out", ran)]
    held = ran.rc in (0, 2) and not writes and not leaked and "Traceback" not in ran.err
    text = (f"exit {ran.rc}, {summary['verdict']['headline']}; {len(entries)} requests in the HAR, "
            f"{len(writes)} writes answered 2xx, secrets in outputs: {leaked or 'none'}")  # fmt: skip
    return Got(text, held)


def _bundle(folder: Path) -> Path:
    out = folder / "real.json"
    code = (
        "import json, sys; from conformance.openapi import load_spec; "
        "json.dump(load_spec(sys.argv[1]).document, open(sys.argv[2], 'w'))"
    )
    subprocess.run([sys.executable, "-c", code, str(SOURCES["2026-01"].parent), str(out)], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    return out


def _prism_report(folder: Path, ran: Any, wall: float) -> Got:
    data = results(folder / "out")
    summary = data["summary"]
    timeouts = Counter(
        f["operation"] for f in data["findings"] if "no complete answer" in json.dumps(f.get("response") or {})
    )
    withheld = [n for n in summary["not_judged"] if n.startswith("not sent")]
    problems = [f"{p['check']}({len(p['operations'])})" for p in data["problems"]]
    text = (f"exit {ran.rc}, {wall:.0f}s wall, {summary['operations_tested']} operations judged, "
            f"complete {summary['complete']}, depth {summary.get('depth')}, {len(withheld)} 'not sent' notes "
            f"({withheld[0][:160] if withheld else '-'}), timeouts on {len(timeouts)} operations; "
            f"problems: {', '.join(problems)} — {summary['verdict']['headline']}")  # fmt: skip
    (folder / "prism-problems.json").write_text(json.dumps(data["problems"], indent=1)[:200000])
    return Got(text, ran.rc in (1, 2) and "Traceback" not in ran.err and wall < 60 + 45)


def prism(folder: Path) -> Got:
    """Prism serving the bundled 2026-01-15 source; a run under --max-time 60."""
    if not PRISM.exists():
        return Got(f"skipped: no Prism at {PRISM}", True)
    spec, port = _bundle(folder), _port()
    server = subprocess.Popen([str(PRISM), "mock", "-p", str(port), str(spec)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        if not _wait(port, 90):
            return Got("Prism did not start within 90 s", False)
        started = time.monotonic()
        ran = cli("run", "--spec", str(SOURCES["2026-01"].parent), "--base-url", f"http://127.0.0.1:{port}",
                  "--token", "any-token-value-0123456789", "--max-examples", "2", "--seed", "1", "--allow-writes",
                  "--max-time", "60", "--report-dir", "out", cwd=folder, timeout=400)  # fmt: skip
        wall = time.monotonic() - started
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)
    return _prism_report(folder, ran, wall)


CASES: list[tuple[str, str, str, Any]] = [
    (
        "target_live_tls",
        "mock over TLS, login, gateway header, --max-requests 150, read-only",
        "no write succeeds, no secret in any output",
        live_tls,
    ),
    ("prism_2026_01", "Prism on the bundled 2026-01-15 source, --max-time 60", "ends near 60 s, nothing false", prism),
]
