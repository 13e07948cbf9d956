"""Benchmarks: speed and memory measured side by side in one run on one machine (ratios, not absolutes).

    python benchmarks/bench.py mock        # the mock's raw request rate (in-process, HTTP) and memory
    python benchmarks/bench.py load        # spec loading and start-up
    python benchmarks/bench.py runs        # full runs, ours vs `schemathesis run --checks all`, alternating
    python benchmarks/bench.py scaling     # 10, 100, 266, 410 operations
    python benchmarks/bench.py all

Needs ../shared/voipbin beside the checkout. Writes markdown rows to stdout and raw numbers to
benchmarks/out/*.json. No timed assertions anywhere: these machines are noisy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "voipbin"
SPECS = {"266": SHARED / "openapi-2026-01-15" / "openapi.yaml", "410": SHARED / "openapi-2026-08-22" / "openapi.yaml"}
PROFILES = {"266": "voipbin-2026-01", "410": "voipbin-2026-08"}
OUT = ROOT / "benchmarks" / "out"
BIN = Path(sys.executable).parent
TOKEN, ACCESSKEY, OTHER = "bench-token-0123456789", "bench-accesskey-0123456789", "bench-other-token-0123456789"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CPU_SECONDS: dict[str, float] = {}  # the last command's user + system seconds (these VMs' neighbours steal wall time)


def _timed(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, output) of a command, measured by GNU time; its CPU seconds in CPU_SECONDS."""
    with tempfile.NamedTemporaryFile("r") as stats:
        started = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", stats.name, *cmd],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        wall = time.perf_counter() - started
        peak, user, system = stats.read().strip().splitlines()[-1].split()
        peak_kb = int(peak)
        CPU_SECONDS["last"] = float(user) + float(system)
    return wall, peak_kb // 1024, result.stdout + result.stderr


class Mock:
    """`voipbin-conformance mock` in its own process, on a loopback port."""

    def __init__(self, spec: str, profile: str) -> None:
        self.port = _port()
        self.process = subprocess.Popen(
            [
                str(BIN / "voipbin-conformance"),
                "mock",
                "--spec",
                spec,
                "--port",
                str(self.port),
                "--profile",
                profile,
                "--token",
                TOKEN,
                "--accesskey",
                ACCESSKEY,
                "--other-token",
                OTHER,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "listening on" in line:
                self.url = line.split("listening on ")[1].strip()
                break

    def close(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=10)


def bench_mock() -> dict:
    import requests

    from conformance.client.transport import make_session
    from conformance.mock import MockApp
    from conformance.openapi import load_spec
    from conformance.profiles import load_profile

    results: dict = {}
    spec = load_spec(str(ROOT / "schemas" / "openapi" / "voipbin.yaml"))
    app = MockApp(spec, profile=load_profile("voipbin-2026-01"))
    headers = {"authorization": f"Bearer {app.customers[0].token}"}

    def rate(call, seconds: float = 3.0) -> float:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            call()
            count += 1
        return count / (time.perf_counter() - started)

    results["handle_rps"] = rate(lambda: app.handle("GET", "/v1.0/tags", "page_size=10", headers, b""))
    session = make_session(rate_limit=None, handle=app.handle, base_url="http://mock.invalid")
    results["in_process_requests_rps"] = rate(
        lambda: session.get("http://mock.invalid/v1.0/tags?page_size=10", headers=headers)
    )
    mock = Mock(str(ROOT / "schemas" / "openapi" / "voipbin.yaml"), "voipbin-2026-01")
    try:
        http = requests.Session()
        results["http_keepalive_rps"] = rate(
            lambda: http.get(f"{mock.url}/tags?page_size=10", headers={"Authorization": f"Bearer {TOKEN}"})
        )
    finally:
        mock.close()
    tracemalloc.start()
    big = MockApp(load_spec(str(SPECS["410"])), profile=load_profile("voipbin-2026-08"))
    big_headers = {"authorization": f"Bearer {big.customers[0].token}"}
    for op in big.spec.shape.list_operations:  # touch every list so its seeded data exists
        if "{" not in op.path:
            big.handle("GET", "/v1.0" + op.path, "", big_headers, b"")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results["mock_410_spec_peak_mb"] = peak / 2**20
    return results


def bench_load() -> dict:
    import schemathesis

    from conformance.openapi import load_spec

    results: dict = {}
    for name, path in {"bundled-56": ROOT / "schemas" / "openapi" / "voipbin.yaml", **SPECS}.items():
        started = time.perf_counter()
        spec = load_spec(str(path))
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        operations = [r.ok() for r in schemathesis.openapi.from_dict(spec.document).get_all_operations()]
        results[name] = {
            "bundle_s": loaded,
            "schemathesis_operations_s": time.perf_counter() - started,
            "operations": len(operations),
            "files": spec.files,
        }
    wall, _, _ = _timed([str(BIN / "voipbin-conformance"), "--version"])
    results["cli_startup_s"] = wall
    return results


def _ours(
    spec: str,
    profile: str,
    examples: int,
    seed: int,
    *,
    url: str | None,
    workers: int = 1,
    include: str | None = None,
    max_requests: int | None = None,
) -> dict:
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            str(BIN / "voipbin-conformance"),
            "run",
            "--spec",
            spec,
            "--profile",
            profile,
            "--max-examples",
            str(examples),
            "--seed",
            str(seed),
            "--report-dir",
            out,
            "--workers",
            str(workers),
        ]
        env = {}
        if url:  # the mock on a loopback port: writes need consent, as for any --base-url
            cmd += ["--base-url", url, "--allow-writes"]
            env = {"VOIPBIN_TOKEN": TOKEN, "VOIPBIN_ACCESSKEY": ACCESSKEY, "VOIPBIN_OTHER_TOKEN": OTHER}
        if include:
            cmd += ["--include", include]
        if max_requests:
            cmd += ["--max-requests", str(max_requests)]
        wall, peak, _ = _timed(cmd, env=env, cwd=Path(out))
        summary = json.loads((Path(out) / "results.json").read_text())["summary"]
    return {
        "wall_s": wall,
        "peak_mb": peak,
        "cpu_s": CPU_SECONDS["last"],
        "cases": summary["cases"],
        "operations": summary["operations_tested"],
        "cases_per_s": summary["cases"] / wall,
    }


def _schemathesis(spec_json: str, url: str, examples: int, seed: int) -> dict:
    cmd = [
        str(BIN / "schemathesis"),
        "run",
        spec_json,
        "--url",
        url,
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "-H",
        f"Authorization: Bearer {TOKEN}",
        "--no-color",
    ]
    with tempfile.TemporaryDirectory() as scratch:  # schemathesis writes a .schemathesis/ cache where it runs
        wall, peak, output = _timed(cmd, cwd=Path(scratch))
    found = re.search(r"(\d+) generated", output)
    cases = int(found.group(1)) if found else 0
    return {"wall_s": wall, "cpu_s": CPU_SECONDS["last"], "peak_mb": peak, "cases": cases, "cases_per_s": cases / wall}


def bench_runs(examples_list: tuple[int, ...] = (5, 25)) -> dict:
    from conformance.openapi import load_spec

    results: dict = {}
    for name, path in SPECS.items():
        bundled = OUT / f"bundled-{name}.json"
        bundled.write_text(json.dumps(load_spec(str(path)).document))
        mock = Mock(str(bundled), PROFILES[name])
        try:
            for examples in examples_list:
                ours = _ours(str(path), PROFILES[name], examples, 1, url=mock.url)
                theirs = _schemathesis(str(bundled), mock.url, examples, 1)
                key = f"{name}@{examples}"
                results[key] = {
                    "ours_http": ours,
                    "schemathesis_http": theirs,
                    "time_ratio": ours["wall_s"] / theirs["wall_s"],
                    "cases_ratio": ours["cases"] / max(theirs["cases"], 1),
                }
                print(key, json.dumps(results[key]), flush=True)
        finally:
            mock.close()
        for examples in examples_list[:1]:
            key = f"{name}@{examples}"
            results[key]["ours_in_process"] = _ours(str(path), PROFILES[name], examples, 1, url=None)
            results[key]["ours_in_process_workers2"] = _ours(
                str(path), PROFILES[name], examples, 1, url=None, workers=2
            )
            print(key, "in-process", json.dumps(results[key]["ours_in_process"]), flush=True)
    return results


ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


# --max-requests counts the preflight's requests (one per customer: is the target there, are the credentials
# taken), which are no cases: held to schemathesis' cases plus these, ours sends at least as many cases as it.
PREFLIGHT_REQUESTS = 2


def bench_runs410() -> dict:
    """Issues #11 and #27 side by side on one mock (the 410-operation source, 5 examples, seed 1), alternating
    ROUNDS times: schemathesis run --checks all; ours, the whole run; ours held to as many cases as schemathesis
    sent (--max-requests: breadth first). Ratios per round and their median, in wall and in CPU seconds."""
    from conformance.openapi import load_spec

    bundled = OUT / "bundled-410.json"
    bundled.write_text(json.dumps(load_spec(str(SPECS["410"])).document))
    mock = Mock(str(bundled), PROFILES["410"])
    rounds = []
    try:
        for _ in range(ROUNDS):
            theirs = _schemathesis(str(bundled), mock.url, 5, 1)
            whole = _ours(str(SPECS["410"]), PROFILES["410"], 5, 1, url=mock.url)
            budget = theirs["cases"] + PREFLIGHT_REQUESTS
            same = _ours(str(SPECS["410"]), PROFILES["410"], 5, 1, url=mock.url, max_requests=budget)
            rounds.append({"schemathesis_http": theirs, "ours_http": whole, "ours_http_as_many_cases": same})
            print(json.dumps(rounds[-1]), flush=True)
    finally:
        mock.close()
    ratios = {}
    for ours in ("ours_http", "ours_http_as_many_cases"):
        for unit in ("wall_s", "cpu_s"):
            each = [r[ours][unit] / r["schemathesis_http"][unit] for r in rounds]
            ratios[f"{ours} / schemathesis ({unit})"] = {"rounds": each, "median": statistics.median(each)}
    return {"rounds": rounds, "ratios": ratios}


def bench_scaling() -> dict:
    from conformance.openapi import load_spec

    labels = [op.label for op in load_spec(str(SPECS["410"])).shape.operations]
    results: dict = {}
    for count in (10, 100, 266, 410):
        chosen = labels[:count]
        include = "^(" + "|".join(re.escape(label) for label in chosen) + ")$"
        run = _ours(str(SPECS["410"]), "voipbin-2026-08", 5, 1, url=None, include=include)
        run["s_per_operation"] = run["wall_s"] / count
        results[str(count)] = run
        print(count, json.dumps(run), flush=True)
    return results


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    OUT.mkdir(exist_ok=True)
    if not SPECS["410"].is_file():
        sys.exit(f"the real VoIPBIN sources are not beside the checkout ({SHARED})")
    benches = {
        "mock": bench_mock,
        "load": bench_load,
        "runs": bench_runs,
        "runs410": bench_runs410,
        "scaling": bench_scaling,
    }
    for name, bench in benches.items():
        if what == name or (what == "all" and not name.startswith("runs410")):
            result = bench()
            (OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
            print(f"## {name}\n{json.dumps(result, indent=2)}", flush=True)
    if shutil.which("git"):
        print(
            "commit:",
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
            ).stdout.strip(),
        )


if __name__ == "__main__":
    main()
