"""How a run ends when it does not end well: a signal that came after the verdict, and a crash.

A signal that lands while the reports are written (or after) is noted (conformance/_stop.py), never raised; here the
reports that already said "passed" are written again from results.json, interrupted, so that no output of a run a
signal reached says it passed. A crash (an error in the suite itself) leaves its traceback in `crash.txt` beside the
reports, redacted, and one line on stderr names it.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

from conformance import interrupts as _stop
from conformance.redact import Redactor
from conformance.reporting.out import Out, oneline
from conformance.results.verdict import decide

CRASH_FILE = "crash.txt"


def mark_interrupted(report_dir: str, redactor: Redactor | None = None) -> dict[str, Any] | None:
    """The run's results, written again as interrupted where a signal reached this process after its verdict was
    decided; None where there was no signal, no results.json, or it says interrupted already."""
    from conformance.reporting import merge
    from conformance.reporting.results_file import load

    signum = _stop.requested()
    path = Path(report_dir) / "results.json"
    if signum is None or not path.is_file():
        return None
    results = load(str(path))
    summary = results["summary"]
    if summary.get("interrupted"):
        return None
    summary.update(interrupted=True, signal=_stop.signal_name(signum), complete=False)
    summary["verdict"] = decide(results).as_dict()
    merge.write(results, report_dir, redactor)
    return results


def write_crash(report_dir: str | None, exc: BaseException | str, redactor: Redactor | None = None) -> Path | None:
    """The traceback (or text) of a crash in `report_dir`/crash.txt, redacted; None where it cannot be written."""
    text = exc if isinstance(exc, str) else "".join(traceback.format_exception(exc))
    out = Out(redactor)
    try:
        return out.file(Path(report_dir or ".") / CRASH_FILE, text)
    except OSError:
        return None


def say_crash(where: Path | None, what: str, stream: TextIO | None = None) -> None:
    """The one line a crash prints: what broke, and where its traceback is."""
    place = f"traceback in {where}" if where is not None else "its traceback could not be written"
    line = oneline(f"voipbin-conformance: crashed (a bug in the suite, not a finding): {what}; {place}", 600)
    Out().line(line, stream or sys.stderr)
