"""The terminal: the end-of-run summary (findings by check, problems, the verdict, report paths) and the progress
line between tests. Colour on a terminal only: never where NO_COLOR is set (https://no-color.org), never in a pipe
or a CI log unless FORCE_COLOR asks for it. Every line leaves through the single exit (`Out`: redacted, then
printable); the colour codes are ours, written around text already made printable, so no target text carries one."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from conformance.redact import Redactor
from conformance.reporting.out import Out
from conformance.results.verdict import NOTHING, Verdict


def print_summary(report_dir: str, stream: TextIO, *, compared: bool = False, redactor: Redactor | None = None) -> None:
    """The summary of the run whose reports are in `report_dir`; `compared`: it ran against a baseline;
    `redactor`: the run's (by default the credentials of the environment)."""
    out = Console(stream, redactor)
    _print_summary(report_dir, out)
    if compared:
        _baseline(Path(report_dir), out)


SEVERITY_STYLE = {"critical": "1;31", "high": "31", "medium": "33"}  # bold red, red, yellow
OUTCOME_STYLE = {"passed": "1;32", "failed": "1;31", "incomplete": "1;33", "error": "1;33"}
_RESET = "\x1b[0m"


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour for `stream`? NO_COLOR (set, not empty) says never; FORCE_COLOR (set, not empty, not 0) says always,
    a CI log included; otherwise only a terminal that is not TERM=dumb. NO_COLOR wins, as in pytest."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return env.get("TERM") != "dumb" and is_terminal(stream)


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Console:
    """Text to a terminal or a CI log through the single exit; `style` (an SGR code: `1;31`) colours it where
    colour is wanted."""

    def __init__(self, stream: TextIO, redactor: Redactor | None = None, environ: Mapping[str, str] | None = None):
        self.stream, self._out = stream, Out(redactor)
        self.colour = wants_colour(stream, environ)

    @property
    def redactor(self) -> Redactor:
        return self._out.redactor

    def write(self, text: str, style: str = "") -> None:
        if not (style and self.colour):
            self._out.write(text, self.stream)
            return
        body, newline = (text[:-1], "\n") if text.endswith("\n") else (text, "")
        self.stream.write(f"\x1b[{style}m")
        self._out.write(body, self.stream)
        self.stream.write(_RESET + newline)


def _print_summary(report_dir: str, out: Console) -> None:
    path = Path(report_dir) / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        out.write(f"no results were written to {path}\n")
        return
    summary = results["summary"]
    by_check = Counter(f["check"] for f in results["findings"])
    out.write(
        f"\n{summary['operations_tested']} operations, {summary['cases']} requests, "
        f"{summary['duration_s']:.1f}s, profile {summary['profile']}, seed {summary['seed']}, "
        f"target {summary['target']}\n"
    )
    for check, entry in summary["checks"].items():
        if entry.get("skipped"):
            out.write(f"  {check:<24} skipped: {entry['skipped']}\n")
        elif not entry.get("passed") and not entry.get("failed") and not by_check[check]:
            out.write(f"  {check:<24} not judged: {entry.get('not_judged') or NOTHING}\n")
        elif by_check[check]:
            out.write(f"  {check:<24} {by_check[check]} finding(s)\n")
    if summary.get("tls_verified") is False:
        out.write("  WARNING: TLS NOT VERIFIED (--insecure): the target's certificate was never checked\n", "1;31")
    tests = summary.get("tests") or {}
    complete = summary.get("complete", True)
    if not complete:
        why = summary.get("stopped") or ("interrupted" if summary.get("interrupted") else "not every test ran")
        out.write(f"  incomplete: {tests.get('done', '?')} of {tests.get('total', '?')} tests ran ({why})\n", "33")
    reach = summary.get("reach")
    if reach and reach.get("operations"):
        held = len(reach.get("not_allowed") or [])
        out.write(
            f"  reach: {reach['reached_2xx']} of {reach['operations']} operations answered a 2xx "
            f"({reach['percent']:g}%)"
            + ("; the others had their success path untested" if reach.get("never_2xx") else "")
            + (f"; {held} writes not sent (read-only)" if held else "")
            + "\n"
        )
    for error in summary.get("errors", []):
        out.write(f"  suite error in {error['test']}: {error['error']}\n")
    _problems(results.get("problems") or [], out)
    out.write(verdict(results) + "\n", OUTCOME_STYLE.get(Verdict.of(results).outcome, "1"))
    for reason in Verdict.of(results).reasons:
        out.write(f"  - {reason}\n")
    where = Path(report_dir)
    out.write(f"Reports: {where / 'report.html'}, {where / 'summary.md'}, {where / 'junit.xml'}, {path}\n")


def _baseline(report_dir: Path, out: Console) -> None:
    try:
        regression = json.loads((report_dir / "regression.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    out.write(
        f"Against the baseline: {len(regression['new'])} new, {len(regression['fixed'])} fixed, "
        f"{len(regression.get('not_retested', []))} not retested, "
        f"{len(regression['persisting'])} known finding(s); see {report_dir / 'regression.html'}\n"
    )


_SCREENFUL = 15


def _problems(problems: list[dict[str, Any]], out: Console) -> None:
    """The problems, most severe first, one line each, capped at a screenful."""
    if not problems:
        return
    out.write("Problems, most severe first:\n")
    for problem in problems[:_SCREENFUL]:
        reach = f"{problem['operations_affected']}/{problem['operations_tested']} operations"
        severity = str(problem["severity"])
        out.write("  ")
        out.write(f"{severity:<8}", SEVERITY_STYLE.get(severity, ""))
        fix = str((problem.get("attribution") or {}).get("by", ""))
        out.write(f" {cut_at_word(str(problem['title']), 90):<90} {reach}{f'  [{fix}]' if fix else ''}\n")
    if len(problems) > _SCREENFUL:
        out.write(f"  … and {len(problems) - _SCREENFUL} more in report.html\n")


def cut_at_word(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with an ellipsis, never mid-word."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:(") + "…"


def verdict(results: dict[str, Any]) -> str:
    """The one-sentence verdict, as results.json stores it (results/verdict.py decides it for every output)."""
    return Verdict.of(results).headline + "."


def clock(seconds: float) -> str:
    """A duration as a person reads it: 12.3s, 2m05s, 1h02m."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def time_left(done: int, total: int, elapsed: float) -> float | None:
    """What the tests still to run take at the pace of those done; None before the first one or without a total."""
    if done <= 0 or total <= 0:
        return None
    return elapsed / done * max(total - done, 0)


def progress_head(done: int, total: int, elapsed: float) -> str:
    """`[34/89] 12.3s elapsed, ~20s left`."""
    head = f"[{done:>{len(str(total))}}/{total}] {clock(elapsed)} elapsed"
    left = time_left(done, total, elapsed)
    if left is None:
        return head
    if done >= total:
        return head + ", done"
    if left < 1:
        return head + ", <1s left"
    return head + (f", ~{round(left)}s left" if left < 59.5 else f", ~{clock(left)} left")


_OUTCOMES = {"ok": ("ok", "32"), "skipped": ("skipped", ""), "error": ("ERROR (see report)", "1;31")}


@dataclass(frozen=True)
class Tick:
    """One test done: `done` of `total` tests after `elapsed` seconds; `test` names its kind and operation;
    `outcome` is `ok`, `skipped` or `error`; `findings` its own, `found` the distinct findings of the run so far."""

    done: int
    total: int
    elapsed: float
    test: str
    outcome: str
    findings: int = 0
    found: int = 0


class Progress:
    """Progress between tests: one line per test in a log or a pipe (a CI log gets no more lines than tests); on a
    terminal one line that updates in place, with the findings so far, ended when the last test is done."""

    def __init__(self, stream: TextIO, environ: Mapping[str, str] | None = None) -> None:
        self.stream, self.environ = stream, environ
        env = os.environ if environ is None else environ
        self.live = is_terminal(stream) and env.get("TERM") != "dumb"
        self._shown = 0  # characters of the live line now on the screen

    def show(self, tick: Tick, redactor: Redactor) -> None:
        console = Console(self.stream, redactor, self.environ)
        head = progress_head(tick.done, tick.total, tick.elapsed)
        if self.live:
            self._update(console, f"{head} - {tick.found} finding(s) so far - {' '.join(tick.test.split())}")
            if tick.done >= tick.total:
                self.stream.write("\n")
                self._shown = 0
        else:
            text, style = (
                (f"{tick.findings} finding(s)", "33")
                if tick.findings
                else _OUTCOMES.get(tick.outcome, (tick.outcome, ""))
            )
            console.write(f"{head:<34} {tick.test} ")
            console.write(text + "\n", style)
        self.stream.flush()

    def _update(self, console: Console, line: str) -> None:
        # Redacted before it is cut to the terminal's width, so a cut never leaves part of a secret.
        line = console.redactor.safe(line)[: _columns(self.stream) - 1]
        self.stream.write("\r")
        console.write(line.ljust(self._shown))
        self._shown = len(line)


def _columns(stream: TextIO) -> int:
    """The terminal's width (80 where it does not say: a pseudo-terminal without a size)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = shutil.get_terminal_size().columns
    return columns if columns > 0 else 80
