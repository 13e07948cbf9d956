"""What the sweep's cases share: running the CLI, and judging bad input (one line, exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REAL = Path("/work/shared/voipbin")
SOURCES = {
    "2026-01": REAL / "openapi-2026-01-15" / "openapi.yaml",
    "2026-08": REAL / "openapi-2026-08-22" / "openapi.yaml",
}
PROFILES = {"2026-01": "voipbin-2026-01", "2026-08": "voipbin-2026-08"}


@dataclass
class Got:
    text: str
    held: bool


@dataclass
class Ran:
    rc: int
    out: str
    err: str
    seconds: float


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Ran:
    """`voipbin-conformance ARGS` in `cwd`, as a user runs it (the venv's interpreter)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    return Ran(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def one_line_exit_2(ran: Ran) -> Got:
    """Bad input: exit 2, one line on stderr, no traceback."""
    lines = [line for line in ran.err.splitlines() if line.strip()]
    held = ran.rc == 2 and len(lines) == 1 and "Traceback" not in ran.err + ran.out
    first = lines[0][:160] if lines else "(nothing on stderr)"
    return Got(f"exit {ran.rc}, {len(lines)} stderr line(s): {first}", held)


def no_traceback(ran: Ran, allowed: tuple[int, ...]) -> Got:
    lines = [line for line in ran.err.splitlines() if line.strip()]
    held = ran.rc in allowed and "Traceback" not in ran.err + ran.out and (ran.rc != 2 or len(lines) == 1)
    return Got(f"exit {ran.rc}, {ran.seconds:.1f}s, stderr: {(lines or ['-'])[-1][:140]}", held)


def results(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "results.json").read_text())
    return loaded


def small_run(cwd: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 300) -> Ran:
    """A narrowed run on the embedded mock, reports in cwd/out."""
    args = ["run", "--max-examples", "2", "--seed", "1", "--report-dir", "out", *extra]
    if "--include" not in extra:
        args += ["--include", "/agents"]
    return cli(*args, cwd=cwd, env=env, timeout=timeout)
