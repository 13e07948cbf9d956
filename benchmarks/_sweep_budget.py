"""The sweep's cases against a run's budget (--max-time, --max-requests): bad values, where it ends (first pass,
sequences, depth), faults caught within it, outputs agreeing, and targets that are slow or silent on some requests."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from _sweep_common import Got, Ran, cli, one_line_exit_2, results, small_run

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile

BUNDLED = Path(__file__).resolve().parent.parent / "schemas" / "openapi" / "voipbin.yaml"


def bad_value(*args: str, env: dict[str, str] | None = None, config: str | None = None, forbid: str = "") -> Any:
    def case(folder: Path) -> Got:
        extra = list(args)
        if config is not None:
            (folder / "c.toml").write_text(config)
            extra += ["--config", "c.toml"]
        got = one_line_exit_2(small_run(folder, *extra, env=env))
        return Got(got.text, got.held and not (forbid and forbid in got.text))

    return case


def _verdict(folder: Path, ran: Ran) -> tuple[dict[str, Any], str]:
    summary = results(folder / "out")["summary"]
    verdict = summary["verdict"]
    said = f"exit {ran.rc}, complete {summary['complete']}, depth {summary.get('depth')}, {verdict['headline']}"
    return summary, said


def ends(budget: str, want_rc: int, want_complete: bool, *extra: str, include: str = "/agents") -> Any:
    """A run of /agents (16 tests, ~330 requests unbudgeted) whose --max-requests ends at a given point."""

    def case(folder: Path) -> Got:
        ran = small_run(folder, "--max-requests", budget, "--include", include, *extra)
        if "Traceback" in ran.err or not (folder / "out" / "results.json").exists():
            return Got(f"exit {ran.rc}: {ran.err.strip()[-200:]}", False)
        summary, said = _verdict(folder, ran)
        depth_reason = any(r.startswith("depth: ") for r in summary["verdict"]["reasons"])
        depth = summary.get("depth") or {}
        cut = depth.get("full", 0) < depth.get("total", 0)
        held = (
            ran.rc == want_rc
            and summary["complete"] is want_complete
            and (not cut or not want_complete or depth_reason)
        )
        return Got(said, held and _agree(folder / "out", ran, summary))

    return case


def count(folder: Path) -> Got:
    """The requests a budgeted run reports are those it sent (the HAR, less the clean-up, which the budget spares)."""
    ran = small_run(folder, "--max-requests", "200", "--record-har", "run.har")
    entries = json.loads((folder / "run.har").read_text())["log"]["entries"]
    sent = sum(1 for e in entries if e["comment"] != "clean-up")
    cases = results(folder / "out")["summary"]["cases"]
    return Got(
        f"exit {ran.rc}, reported {cases} requests, HAR {sent} (+{len(entries) - sent} clean-up)", cases == sent <= 200
    )


def ends_inf(folder: Path) -> Got:
    ran = small_run(folder, "--max-time", "inf")
    summary, said = _verdict(folder, ran)
    return Got(said, ran.rc == 0 and summary["complete"] is True and _agree(folder / "out", ran, summary))


def _agree(out: Path, ran: Ran, summary: dict[str, Any]) -> bool:
    """Console, results.json, summary.md, report.html and junit.xml say the same verdict."""
    verdict = summary["verdict"]
    html, md, junit = ((out / n).read_text() for n in ("report.html", "summary.md", "junit.xml"))
    outcome = re.search(r'data-outcome="(\w+)"', html)
    checks = {
        "console": verdict["headline"] in ran.out,
        "summary.md": verdict["headline"] in md,
        "report.html": outcome is not None and outcome.group(1) == verdict["outcome"],
        "exit": ran.rc == verdict["exit_code"],
        "junit": ("<failure" in junit) == (verdict["outcome"] == "failed") or verdict["outcome"] == "incomplete",
    }
    bad = [name for name, ok in checks.items() if not ok]
    if bad:
        print(f"    outputs disagree: {bad}")
    return not bad


FAULTS = {
    "error_without_message": "error_envelope",
    "ids_not_uuid": "id_format",
    "lost_create": "resource_lifecycle",
    "zombie_delete": "resource_lifecycle",
    "token_loops": "pagination",
    "foreign_visible": "tenant_isolation",
    "any_bearer_accepted": "auth_invalid_rejected",
}


def faults_caught(folder: Path) -> Got:
    """Each fault alone, under a budget that ends in depth, is still caught by its check."""
    missed = []
    for n, (fault, check) in enumerate(FAULTS.items()):
        run = folder / str(n)
        run.mkdir()
        ran = small_run(run, "--max-requests", "250", "--mock-fault", fault)
        data = results(run / "out")
        caught = {f["check"] for f in data["findings"]}
        if ran.rc != 1 or check not in caught or not data["summary"]["complete"]:
            missed.append(f"{fault}: exit {ran.rc}, {check} {'caught' if check in caught else 'missed'}")
    return Got("; ".join(missed) or f"all {len(FAULTS)} faults caught at --max-requests 250", not missed)


def same_seed(folder: Path) -> Got:
    got = []
    for name in ("a", "b"):
        (folder / name).mkdir()
        ran = small_run(folder / name, "--max-requests", "250", "--mock-fault", "ids_not_uuid")
        data = results(folder / name / "out")
        prints = sorted(f["fingerprint"] for f in data["findings"])
        got.append((ran.rc, data["summary"]["verdict"]["headline"], data["summary"]["cases"], prints))
    same = got[0] == got[1]
    return Got(f"{'same' if same else 'different'}: {got[0][:3]} / {got[1][:3]}", same)


def max_time_first_pass(folder: Path) -> Got:
    ran = cli("run", "--max-examples", "2", "--seed", "1", "--max-time", "0.4", "--report-dir", "out", cwd=folder)
    if not (folder / "out" / "results.json").exists():
        return Got(f"exit {ran.rc}, no results.json: {ran.err.strip()[-160:]}", False)
    summary, said = _verdict(folder, ran)
    return Got(said, ran.rc == 2 and summary["complete"] is False and _agree(folder / "out", ran, summary))


class _Shaped(MockApp):
    """The mock, with some requests slow: non-JSON bodies (`slow_non_json` s), or every request to some paths."""

    slow_non_json = 0.0
    hang_prefixes: tuple[str, ...] = ()
    hung: set[str]

    def handle(self, method, path, query, headers, body):
        bare = path.removeprefix("/v1.0")
        if any(bare.startswith(prefix) for prefix in self.hang_prefixes):
            self.hung.add(f"{method} {bare}")
            time.sleep(1.0)
        elif body and self.slow_non_json:
            try:
                json.loads(body)
            except ValueError:
                time.sleep(self.slow_non_json)
        return super().handle(method, path, query, headers, body)


def _shaped_run(folder: Path, app: _Shaped, *extra: str) -> tuple[Ran, dict[str, Any]]:
    app.hung = set()
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/v1.0"
        env = {"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_OTHER_TOKEN": app.customers[1].token}
        args = ("--allow-writes", "--max-examples", "2", "--seed", "1", "--report-dir", "out", *extra)
        ran = cli("run", "--base-url", url, *args, cwd=folder, env=env)
    finally:
        server.shutdown()
    return ran, results(folder / "out")["summary"]


def _app(**shape: Any) -> _Shaped:
    app = _Shaped(load_spec(str(BUNDLED)), profile=load_profile("voipbin-2026-01"), seed=3)
    for key, value in shape.items():
        setattr(app, key, value)
    return app


def slow_non_json(folder: Path) -> Got:
    """Non-JSON bodies answered in 0.15 s under a 0.6 s deadline: answered, so never withheld."""
    ran, summary = _shaped_run(
        folder,
        _app(slow_non_json=0.15),
        "--include",
        "^POST /",
        "--request-timeout",
        "0.6",
        "--max-requests",
        "400",
        "--checks",
        "malformed_json_rejected,server_error",
    )
    withheld = [n for n in summary["not_judged"] if n.startswith("not sent")]
    return Got(f"exit {ran.rc}, {len(withheld)} withheld: {withheld[:2]}", not withheld and ran.rc in (0, 1))


def hanging_operations(folder: Path) -> Got:
    """Every request to /activeflows and /agents hangs past the deadline; /calls answers everything."""
    app = _app(hang_prefixes=("/activeflows", "/agents"))
    ran, summary = _shaped_run(
        folder, app, "--include", "/(activeflows|agents|calls)", "--request-timeout", "0.3", "--max-requests", "600"
    )
    withheld = [n for n in summary["not_judged"] if n.startswith("not sent")]
    false = [n for n in withheld if "/calls" in n.split(":")[0]]
    agents = sorted(app.hung)[:4]
    text = f"exit {ran.rc}, {len(withheld)} withheld, on answering operations: {false[:2] or 'none'}; {agents}"
    return Got(text, not false and "Traceback" not in ran.err)


CASES: list[tuple[str, str, str, Any]] = [
    ("budget_requests_0", "--max-requests 0", "exit 2, one line", bad_value("--max-requests", "0")),
    ("budget_requests_neg", "--max-requests -5", "exit 2, one line", bad_value("--max-requests=-5")),
    ("budget_requests_text", "--max-requests abc", "exit 2, one line", bad_value("--max-requests", "abc")),
    ("budget_requests_float", "--max-requests 1.5", "exit 2, one line", bad_value("--max-requests", "1.5")),
    (
        "budget_requests_env",
        "VOIPBIN_MAX_REQUESTS=0",
        "exit 2, one line",
        bad_value(env={"VOIPBIN_MAX_REQUESTS": "0"}),
    ),
    (
        "budget_requests_config",
        "config max-requests = -3",
        "exit 2, one line",
        bad_value(config="max-requests = -3\n"),
    ),
    (
        "budget_requests_config_text",
        'config max-requests = "ten"',
        "exit 2, one line",
        bad_value(config='max-requests = "ten"\n'),
    ),
    ("budget_time_0", "--max-time 0", "exit 2, one line", bad_value("--max-time", "0")),
    ("budget_time_nan", "--max-time nan", "exit 2, one line", bad_value("--max-time", "nan")),
    ("budget_time_inf", "--max-time inf", "as unbudgeted (exit 0)", ends_inf),
    (
        "budget_requests_1",
        "--max-requests 1",
        "exit 2, one true line",
        bad_value("--max-requests", "1", forbid="--max-time"),
    ),
    (
        "budget_workers_1_each",
        "--max-requests 3 --workers 2",
        "exit 2, one line",
        bad_value("--max-requests", "3", "--workers", "2"),
    ),
    ("budget_first_pass", "--max-requests 100 (/agents)", "incomplete, exit 2", ends("100", 2, False)),
    ("budget_sequences", "--max-requests 180 (/agents)", "incomplete, exit 2", ends("180", 2, False)),
    ("budget_depth", "--max-requests 250 (/agents)", "complete, depth reason, exit 0", ends("250", 0, True)),
    (
        "budget_depth_fault",
        "--max-requests 250, ids_not_uuid",
        "complete, exit 1",
        ends("250", 1, True, "--mock-fault", "ids_not_uuid"),
    ),
    ("budget_huge", "--max-requests 10**30", "as unbudgeted: complete, exit 0", ends(str(10**30), 0, True)),
    (
        "budget_workers_2",
        "--max-requests 250 --workers 2",
        "complete, exit 0, outputs agree",
        ends("250", 0, True, "--workers", "2"),
    ),
    ("budget_count", "--max-requests 200 with --record-har", "reported requests = sent <= 200", count),
    ("budget_faults", "7 faults, each at --max-requests 250", "each caught (exit 1)", faults_caught),
    ("budget_same_seed", "same seed, budget, fault, twice", "same verdict and findings", same_seed),
    ("budget_time_first_pass", "--max-time 0.4, whole spec", "incomplete, exit 2, reports", max_time_first_pass),
    ("budget_slow_non_json", "non-JSON bodies answered in 0.15 s (deadline 0.6)", "none withheld", slow_non_json),
    (
        "budget_hanging_ops",
        "/activeflows, /agents hang; /calls answers",
        "/calls never withheld",
        hanging_operations,
    ),
]
