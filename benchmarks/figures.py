"""The figures the README and docs quote that are not speed comparisons: rerun them with this script.

    python benchmarks/figures.py quickstart   # the README's sample output: the default job, then one fault
    python benchmarks/figures.py budget       # --max-time 30 on the 410-operation source (needs ../shared/voipbin)

Each prints the machine and date first, then what it measured.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_0822 = ROOT.parent / "shared" / "voipbin" / "openapi-2026-08-22" / "openapi.yaml"


def machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if "model name" in line
            ),
            platform.processor() or "?",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def run(*args: str, out: Path) -> tuple[float, str, dict]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "run", *args, "--report-dir", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")},
    )
    wall = time.monotonic() - started
    summary = json.loads((out / "results.json").read_text())["summary"]
    return wall, result.stdout + result.stderr, summary


def quickstart(work: Path) -> None:
    for args in ((), ("--mock-fault", "token_loops", "--seed", "1")):
        wall, text, _ = run(*args, out=work / ("q" + str(len(args))))
        print(f"$ voipbin-conformance run {' '.join(args)}   ({wall:.1f} s wall)")
        print("\n".join(line for line in text.splitlines() if not line.startswith("[")))


def budget(work: Path) -> None:
    if not SOURCE_0822.is_file():
        sys.exit(f"figures.py: the 2026-08-22 source is not at {SOURCE_0822}")
    args = ("--spec", str(SOURCE_0822), "--profile", "voipbin-2026-08", "--max-time", "30", "--seed", "1")
    wall, _, summary = run(*args, out=work / "budget")
    depth = summary.get("depth") or {}
    print(
        f"--max-time 30, 2026-08-22 source, embedded mock: {summary['operations_tested']} of 410 operations judged, "
        f"{summary['cases']:,} cases, {wall:.1f} s wall, complete {summary['complete']}, "
        f"depth {depth.get('full', '?')} of {depth.get('total', '?')}, verdict: {summary['verdict']['headline']}"
    )


def main() -> None:
    jobs = {"quickstart": quickstart, "budget": budget}
    if len(sys.argv) != 2 or sys.argv[1] not in jobs:
        sys.exit(f"usage: python benchmarks/figures.py {{{'|'.join(jobs)}}}")
    print(machine())
    with tempfile.TemporaryDirectory() as work:
        jobs[sys.argv[1]](Path(work))


if __name__ == "__main__":
    main()
