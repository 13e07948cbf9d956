"""Stoplight Prism serving a real VoIPBIN source, judged by a conformance run: the figures docs/prism.md quotes.

    npm install --prefix /work/prismcli @stoplight/prism-cli     # once, outside the checkout
    python benchmarks/prism.py                                   # --source 2026-01-15 (default) | 2026-08-22 | both
    python benchmarks/prism.py --source both --prism /work/prismcli/node_modules/.bin/prism

For each source: bundle it to one JSON file (Prism cannot follow its root-relative refs), start `prism mock` on a
free loopback port, wait until it answers, then time `voipbin-conformance run --spec SOURCE --base-url ...
--max-examples 2 --seed 1 --allow-writes` (profile voipbin-2026-08 for 2026-08-22), stop Prism (always, Ctrl-C
too) and print the machine, the date, the wall time, operations, cases and the problem list from results.json.
Reports go to benchmarks/out/prism-SOURCE-DATE/. Needs ../shared/voipbin beside the checkout (or --shared).
No timed assertions: these machines are noisy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BIN = Path(sys.executable).parent
TOKEN = "any-token-value-0123456789"
PROFILES = {"2026-01-15": None, "2026-08-22": "voipbin-2026-08"}
READY_S = 120.0


def _fail(message: str) -> NoReturn:
    """Bad input or a Prism that never answered: one line, exit 2."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _machine() -> dict:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def _prism_version(prism: str) -> str:
    done = subprocess.run([prism, "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or "unknown"


def bundle(source: Path, into: Path) -> Path:
    """The source as one JSON document, as the suite itself bundles it."""
    from conformance.openapi import load_spec

    into.write_text(json.dumps(load_spec(str(source)).document))
    return into


class Prism:
    """`prism mock` in its own process group on a loopback port; `close()` always ends the whole group."""

    def __init__(self, prism: str, document: Path, log: Path) -> None:
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [prism, "mock", "-h", "127.0.0.1", "-p", str(self.port), str(document)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> float:
        """Seconds until Prism answers any HTTP at all (a 404 or 401 counts: it is listening and routing)."""
        started = time.perf_counter()
        while time.perf_counter() - started < READY_S:
            if self.process.poll() is not None:
                _fail(f"prism exited with {self.process.returncode} before answering (see {self._log.name})")
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).close()
                return time.perf_counter() - started
            except urllib.error.HTTPError:
                return time.perf_counter() - started
            except OSError:
                time.sleep(0.5)
        self.close()
        _fail(f"prism did not answer within {READY_S:.0f} s (see {self._log.name})")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def run_suite(source: Path, url: str, profile: str | None, report_dir: Path) -> tuple[float, int]:
    """(wall seconds, exit code) of the conformance run; its console output goes to report_dir/console.txt."""
    command = [str(BIN / "voipbin-conformance"), "run", "--spec", str(source), "--base-url", url]
    command += ["--token", TOKEN, "--max-examples", "2", "--seed", "1", "--allow-writes"]
    command += ["--profile", profile] if profile else []
    command += ["--report-dir", str(report_dir)]
    report_dir.mkdir(parents=True, exist_ok=True)
    with (report_dir / "console.txt").open("w") as console:
        started = time.perf_counter()
        done = subprocess.run(command, stdout=console, stderr=subprocess.STDOUT, cwd=ROOT)
        return time.perf_counter() - started, done.returncode


def summarize(results: dict) -> dict:
    summary = results["summary"]
    reach = summary.get("reach") or {}
    problems = [
        {
            "severity": problem["severity"],
            "title": problem["title"],
            "operations": f"{problem['operations_affected']}/{problem['operations_tested']}",
            "check": problem["check"],
            "findings": problem["findings"],
        }
        for problem in results["problems"]
    ]
    return {
        "operations": len(summary["operations"]),
        "operations_tested": summary["operations_tested"],
        "cases": summary["cases"],
        "reach": f"{reach.get('reached_2xx')}/{reach.get('operations')} reached a 2xx",
        "findings": summary["findings"],
        "verdict": (summary.get("verdict") or {}).get("outcome"),
        "problems": problems,
    }


def measure(name: str, shared: Path, prism: str, day: str) -> dict:
    source = shared / f"openapi-{name}"
    if not (source / "openapi.yaml").is_file():
        _fail(f"no VoIPBIN source at {source}")
    report_dir = OUT / f"prism-{name}-{day}"
    report_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prism-bundle-") as scratch:
        document = bundle(source, Path(scratch) / f"openapi-{name}.json")
        server = Prism(prism, document, report_dir / "prism.log")
        try:
            ready = server.wait_ready()
            wall, code = run_suite(source, server.url, PROFILES[name], report_dir)
        finally:
            server.close()
    if not (report_dir / "results.json").is_file():
        _fail(f"the run wrote no results.json (exit {code}): see {report_dir / 'console.txt'}")
    results = json.loads((report_dir / "results.json").read_text())
    return {"source": str(source), "report_dir": str(report_dir), "prism_ready_s": round(ready, 1),
            "wall_s": round(wall, 1), "exit_code": code, **summarize(results)}  # fmt: skip


def render(figures: dict) -> str:
    lines = [f"{figures['source']}: wall {figures['wall_s']} s (Prism ready in {figures['prism_ready_s']} s), "
             f"exit {figures['exit_code']}, verdict {figures['verdict']}",
             f"operations {figures['operations_tested']}/{figures['operations']}, cases/requests {figures['cases']}, "
             f"reach {figures['reach']}, findings {figures['findings']}, problems {len(figures['problems'])}",
             f"reports: {figures['report_dir']}", "",
             "| # | severity | problem | operations | check |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for number, problem in enumerate(figures["problems"], 1):
        lines.append(
            f"| {number} | {problem['severity']} | {problem['title']} | {problem['operations']} | {problem['check']} |"
        )
    return "\n".join(lines)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=[*PROFILES, "both"], default="2026-01-15")
    parser.add_argument("--prism", default=shutil.which("prism") or "/work/prismcli/node_modules/.bin/prism")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "voipbin")
    arguments = parser.parse_args()
    if not Path(arguments.prism).is_file():
        parser.exit(2, f"prism not found at {arguments.prism} (npm install @stoplight/prism-cli; --prism PATH)\n")
    return arguments


def main() -> None:
    arguments = _arguments()
    now = datetime.datetime.now(datetime.UTC)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    header = {**_machine(), "date": now.strftime("%Y-%m-%d %H:%M UTC"), "commit": commit.stdout.strip(),
              "prism": _prism_version(arguments.prism)}  # fmt: skip
    print(" | ".join(f"{key}: {value}" for key, value in header.items()), flush=True)
    names = list(PROFILES) if arguments.source == "both" else [arguments.source]
    for name in names:
        try:
            figures = measure(name, arguments.shared, arguments.prism, now.strftime("%Y%m%d-%H%M"))
        except KeyboardInterrupt:
            sys.exit("interrupted: Prism stopped")
        (OUT / f"prism-{name}.json").write_text(json.dumps({**header, **figures}, indent=2))
        print("\n" + render(figures), flush=True)


if __name__ == "__main__":
    main()
