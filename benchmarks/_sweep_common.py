"""What the sweep's cases share: running the CLI, and judging bad input (one line, exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
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


@dataclass
class Case:
    """One row of a sweep: its name, what was tried and expected, and the function that tries it in a folder."""

    name: str
    tried: str
    expected: str
    fn: Callable[[Path], Got]


def run_table(cases: list[Case], work: Path, json_path: str | None) -> int:
    """Each case in its own folder under `work`, one Markdown row as it ends (HELD or FELL; the sweep's own error is
    a FELL with its reason, never a lost row), the rows as JSON where asked; exit 1 if any fell."""
    rows: list[dict[str, Any]] = []
    print("| case | tried | expected | got | verdict |\n| --- | --- | --- | --- | --- |")
    for case in cases:
        folder = work / case.name
        folder.mkdir()
        started = time.monotonic()
        try:
            got = case.fn(folder)
        except Exception as exc:
            got = Got(f"sweep error: {type(exc).__name__}: {exc}", False)
        took = time.monotonic() - started
        row = {"case": case.name, "tried": case.tried, "expected": case.expected, "got": got.text, "held": got.held}
        rows.append(row | {"seconds": round(took, 1)})
        cell = got.text.replace("|", "\\|").replace("\n", " ")
        verdict = "HELD" if got.held else "FELL"
        print(f"| {case.name} | {case.tried} | {case.expected} | {cell} ({took:.1f}s) | {verdict} |", flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=2) + "\n")
    fell = [r["case"] for r in rows if not r["held"]]
    print(f"\n{len(rows) - len(fell)} held, {len(fell)} fell" + (f": {', '.join(fell)}" if fell else ""))
    return 1 if fell else 0
