"""The terminal: colour only where it is wanted (a terminal; never with NO_COLOR; a CI log only with FORCE_COLOR),
the codes ours and never a target's, and a progress line with the time elapsed and an estimate of the time left."""

from __future__ import annotations

import io
import json

import pytest

from conformance.redact import Redactor
from conformance.reporting.console import (
    Console,
    Progress,
    Tick,
    clock,
    print_summary,
    progress_head,
    time_left,
    wants_colour,
)
from tests.engine.test_cli import cli

TOKEN = "tok-5f2b9c0d7e1a4c3b8d6e9f0a1b2c3d4e"
RED = "\x1b[1;31m"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal", "environ", "colour"),
    [
        (True, {}, True),
        (False, {}, False),  # a pipe or a CI log
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # set but empty: no-color.org says it does not count
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "0"}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins, as in pytest
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_colour_rules(terminal, environ, colour):
    stream = Terminal() if terminal else io.StringIO()
    assert wants_colour(stream, environ) is colour


def test_colour_codes_are_ours_and_a_targets_are_shown_not_obeyed():
    stream = Terminal()
    Console(stream, Redactor({"VOIPBIN_TOKEN": TOKEN}), environ={}).write(f"a\x1b[2J b {TOKEN}\n", "1;31")
    assert stream.getvalue() == f"{RED}a?[2J b [REDACTED]\x1b[0m\n"
    plain = Terminal()
    Console(plain, Redactor({}), environ={"NO_COLOR": "1"}).write("a\x1b[2J\n", "1;31")
    assert plain.getvalue() == "a?[2J\n"


def _results(tmp_path, outcome: str = "failed") -> str:
    summary = {
        "operations_tested": 2,
        "cases": 9,
        "duration_s": 1.5,
        "profile": "voipbin-2026-01",
        "seed": 1,
        "target": "http://h",
        "checks": {},
        "verdict": {"outcome": outcome, "exit_code": 1, "headline": "Failed: 1 problem, 1 critical", "reasons": []},
    }
    problem = {"severity": "critical", "title": "Invalid credentials are not refused", "operations_affected": 1}
    results = {"summary": summary, "findings": [], "problems": [dict(problem, operations_tested=2)]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    return str(tmp_path)


def test_the_summary_colours_severity_and_verdict_on_a_terminal_only(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal, log = Terminal(), io.StringIO()
    print_summary(_results(tmp_path), terminal, redactor=Redactor({}))
    print_summary(_results(tmp_path), log, redactor=Redactor({}))
    assert f"  {RED}critical\x1b[0m Invalid credentials" in terminal.getvalue()
    assert f"{RED}Failed: 1 problem, 1 critical.\x1b[0m\n" in terminal.getvalue()
    assert "\x1b" not in log.getvalue() and "  critical Invalid credentials" in log.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    quiet = Terminal()
    print_summary(_results(tmp_path), quiet, redactor=Redactor({}))
    assert quiet.getvalue() == log.getvalue()


def test_the_estimate_is_the_pace_so_far():
    assert progress_head(34, 89, 12.3) == "[34/89] 12.3s elapsed, ~20s left"
    assert time_left(34, 89, 12.3) == pytest.approx(12.3 / 34 * 55)
    assert progress_head(1, 300, 61.0) == "[  1/300] 1m01s elapsed, ~5h03m left"
    assert progress_head(88, 89, 40.0) == "[88/89] 40.0s elapsed, <1s left"
    assert progress_head(89, 89, 40.0) == "[89/89] 40.0s elapsed, done"
    assert progress_head(0, 0, 0.2) == "[0/0] 0.2s elapsed"  # no test done, no total: no estimate
    assert time_left(0, 89, 3.0) is None
    assert [clock(s) for s in (0.04, 59.94, 125, 3725)] == ["0.0s", "59.9s", "2m05s", "1h02m"]


def _ticks(progress: Progress, redactor: Redactor, operation: str = "GET /calls") -> None:
    for done, outcome, findings in ((1, "ok", 0), (2, "skipped", 0), (3, "ok", 2)):
        progress.show(Tick(done, 3, done * 1.0, f"operation {operation}", outcome, findings, findings), redactor)


def test_a_log_gets_one_plain_line_per_test():
    log = io.StringIO()
    _ticks(Progress(log, environ={}), Redactor({}))
    lines = log.getvalue().splitlines()
    assert lines == [
        "[1/3] 1.0s elapsed, ~2s left       operation GET /calls ok",
        "[2/3] 2.0s elapsed, ~1s left       operation GET /calls skipped",
        "[3/3] 3.0s elapsed, done           operation GET /calls 2 finding(s)",
    ]
    forced = io.StringIO()
    _ticks(Progress(forced, environ={"FORCE_COLOR": "1"}), Redactor({}))
    assert "\x1b[33m2 finding(s)\x1b[0m" in forced.getvalue() and "\r" not in forced.getvalue()


def test_a_terminal_gets_one_line_updated_in_place_redacted_before_it_is_cut(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    terminal = Terminal()
    redactor = Redactor({"VOIPBIN_TOKEN": TOKEN})
    _ticks(Progress(terminal, environ={}), redactor, operation=f"GET /calls/{TOKEN}{'x' * 80}")
    shown = terminal.getvalue()
    assert shown.count("\r") == 3 and shown.endswith("\n") and shown.count("\n") == 1
    lines = shown.rstrip("\n").split("\r")[1:]
    assert lines[-1].startswith("[3/3] 3.0s elapsed, done - 2 finding(s) so far - operation GET /calls/[REDACTED]")
    assert all(len(line) == 99 for line in lines)  # cut to the terminal's width
    assert TOKEN[:8] not in shown


def test_a_run_prints_progress_with_an_estimate_and_no_colour_into_a_pipe(tmp_path):
    args = ("run", "--seed", "1", "--max-examples", "1", "--include", "^GET /tags$", "--report-dir", "o")
    result = cli(*args, "--mock-fault", "error_without_message", cwd=tmp_path, env={"NO_COLOR": "", "TERM": "xterm"})
    assert result.returncode == 1
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert progress and all(" elapsed, " in line for line in progress), result.stderr
    assert "\x1b" not in result.stdout + result.stderr and "\r" not in result.stderr
    forced = cli(*args, "--mock-fault", "error_without_message", cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert "\x1b[1;31mFailed: " in forced.stdout and "\x1b[33mmedium  \x1b[0m" in forced.stdout
