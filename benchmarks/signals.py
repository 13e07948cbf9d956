"""Issue #24, check 1: stop signals at random moments of real runs, under load; no interrupted run may pass.

    python benchmarks/signals.py [--runs 50] [--seed S] [--max-delay 14]

Each run is a real `voipbin-conformance run` in its own session (SIGINT restored to default in the child).
Most use the default job on the embedded mock; a few `--workers 2`; a few a served mock (`voipbin-conformance
mock --port P`) with --base-url and --allow-writes. Half get SIGINT, half SIGTERM, at a seeded random moment,
while one CPU hog per core runs. A run that had already exited before the signal was sent is reported and
excluded; every other run must not exit 0, print "Passed", or leave a report that says it passed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOKEN = "sig-bench-token-0123456789"
ACCESSKEY = "sig-bench-accesskey-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start_mock(port: int) -> subprocess.Popen[bytes]:
    cmd = ["voipbin-conformance", "mock", "--port", str(port), "--token", TOKEN, "--accesskey", ACCESSKEY]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("mock did not start")


def report_says_passed(rdir: Path) -> list[str]:
    said = []
    rj = rdir / "results.json"
    if rj.exists():
        try:
            data = json.loads(rj.read_text())
            summ = data.get("summary", {})
            verdict = summ.get("verdict", {})
            if summ.get("interrupted") is False or verdict.get("interrupted") is False:
                said.append("results.json interrupted=false")
            if str(verdict.get("outcome", "")).lower() == "passed" or verdict.get("exit_code") == 0:
                said.append("results.json outcome passed")
        except (ValueError, AttributeError) as exc:
            said.append(f"results.json unreadable: {exc}")
    for name in ("summary.md", "report.html"):
        p = rdir / name
        if p.exists() and re.search(r"Passed: ", p.read_text(errors="replace")):
            said.append(f"{name} says Passed")
    ju = rdir / "junit.xml"
    if ju.exists():
        text = ju.read_text(errors="replace")
        if re.search(r'name="verdict" value="Passed|name="exit_code" value="0"', text):
            said.append("junit.xml says passed")
    return said


def one_run(i: int, kind: str, sig: int, delay: float, mock_url: str | None) -> dict[str, object]:
    rdir = Path(tempfile.mkdtemp(prefix=f"sig{i}-"))
    cmd = ["voipbin-conformance", "run", "--report-dir", str(rdir), "--seed", str(1000 + i)]
    if kind == "workers2":
        cmd += ["--workers", "2"]
    if kind == "served" and mock_url:
        cmd += ["--base-url", mock_url, "--token", TOKEN, "--accesskey", ACCESSKEY, "--allow-writes"]
    out = open(rdir / "console.txt", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=default_sigint
    )
    time.sleep(delay)
    before = proc.poll()
    if before is None:
        proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait()
    out.close()
    console = (rdir / "console.txt").read_text(errors="replace")
    return {
        "i": i,
        "kind": kind,
        "signal": signal.Signals(sig).name,
        "delay": round(delay, 2),
        "finished_before_signal": before is not None,
        "rc": rc,
        "printed_passed": "Passed" in console,
        "reports_say_passed": report_says_passed(rdir),
        "last_line": console.strip().splitlines()[-1][:140] if console.strip() else "",
        "dir": str(rdir),
    }


def plan(runs: int, rng: random.Random, max_delay: float) -> list[tuple[str, int, float]]:
    kinds = ["default"] * runs
    for j in range(0, runs, 8):
        kinds[j] = "workers2"
    for j in range(4, runs, 8):
        kinds[j] = "served"
    sigs = [signal.SIGINT, signal.SIGTERM] * (runs // 2 + 1)
    rng.shuffle(sigs)
    return [(kinds[j], sigs[j], rng.uniform(0.2, max_delay)) for j in range(runs)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-delay", type=float, default=14.0)
    ap.add_argument("--json", default="benchmarks/out/signals.json")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()} cores={os.cpu_count()} "
        f"python {platform.python_version()}; date {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}"
    )
    print(f"seed {seed}, runs {args.runs}, max delay {args.max_delay}s, load {os.getloadavg()}")
    rng = random.Random(seed)
    hogs = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(os.cpu_count() or 1)]
    port = free_port()
    mock = start_mock(port)
    results = []
    try:
        for i, (kind, sig, delay) in enumerate(plan(args.runs, rng, args.max_delay)):
            r = one_run(i, kind, sig, delay, f"http://127.0.0.1:{port}/v1.0")
            results.append(r)
            print(json.dumps({k: v for k, v in r.items() if k != "dir"}), flush=True)
    finally:
        for h in hogs:
            h.kill()
        os.killpg(mock.pid, signal.SIGKILL)
    signalled = [r for r in results if not r["finished_before_signal"]]
    bad = [r for r in signalled if r["rc"] == 0 or r["printed_passed"] or r["reports_say_passed"]]
    print(
        f"\n{len(results)} runs: {len(results) - len(signalled)} had finished before the signal (excluded); "
        f"of {len(signalled)} signalled: exit 0: {sum(r['rc'] == 0 for r in signalled)}, printed Passed: "
        f"{sum(bool(r['printed_passed']) for r in signalled)}, reports say passed: "
        f"{sum(bool(r['reports_say_passed']) for r in signalled)}; exit codes "
        f"{sorted({r['rc'] for r in signalled})}"
    )
    print("HELD" if not bad else f"FELL: {[r['i'] for r in bad]}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"seed": seed, "results": results}, indent=1))
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
