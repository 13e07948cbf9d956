"""`results.json`: the machine-readable outcome of a run, valid against `schemas/results.schema.json`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.checks import CATALOGUE, CHECKS
from conformance.config import DEFAULT_PROFILE, Config
from conformance.engine.plugin import BUDGET_SPENT
from conformance.errors import SetupError
from conformance.profiles import load_profile
from conformance.results.finding import absorb
from conformance.results.problems import group
from conformance.results.verdict import NOT_SELECTED, NOTHING

FORMAT = "voipbin-conformance/results/1"
_NOT_SELECTED = f"{NOT_SELECTED} (--checks / --exclude-checks)"


@dataclass
class Aggregator:
    config: Config
    target: str
    spec: str
    started: float = field(default_factory=time.time)
    operations: set[str] = field(default_factory=set)
    cases: int = 0
    tallies: dict[str, list[int]] = field(default_factory=lambda: {c: [0, 0] for c in CATALOGUE})
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    interrupted: bool = False
    signal: str | None = None  # the signal that interrupted the run (SIGINT, SIGTERM), in this process or a worker
    stopped: str | None = None
    tests_total: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    tests_done: int = 0
    statuses: dict[str, set[int]] = field(default_factory=dict)
    target_gone: str | None = None  # why the run stopped: the target stopped answering
    unjudged: list[str] = field(default_factory=list)  # what a stateful check found nothing to judge on
    depth_total: int = 0  # a budgeted run's second passes (test_depth), collected
    depth_done: int = 0  # ... and those that ran (to their end, or cut by the budget)
    depth_full: int = 0  # ... and those that ran to their end

    def add(self, data: dict[str, Any]) -> None:
        if data["kind"] == "operation":
            self.operations.add(data["operation"])
        self.cases += int(data.get("cases", 0))
        for check, (passed, failed) in data.get("tallies", {}).items():
            counts = self.tallies.setdefault(check, [0, 0])
            counts[0] += passed
            counts[1] += failed
        for finding in data.get("findings", []):
            known = self.findings.get(finding["fingerprint"])
            self.findings[finding["fingerprint"]] = finding if known is None else absorb(known, finding)
        self.unjudged.extend(data.get("unjudged") or [])
        if data.get("signal"):  # a worker a signal reached: the run is interrupted, whatever the controller saw
            self.interrupted, self.signal = True, self.signal or str(data["signal"])
        if data.get("target_gone"):
            self.target_gone = data["target_gone"]
        if data.get("notes"):
            self.notes.setdefault(data["operation"], []).extend(data["notes"])
        for operation, codes in data.get("statuses", {}).items():
            self.statuses.setdefault(operation, set()).update(codes)

    @property
    def complete(self) -> bool:
        """Every collected test ran to its end: nothing stopped, skipped by the budget or interrupted. Under a
        budget, every operation's first pass and every sequence is enough: the budget decides depth, not reach."""
        if self.interrupted:
            return False
        if self.stopped is None and self.tests_done >= self.tests_total:
            return True
        first = self.tests_done - self.depth_done >= self.tests_total - self.depth_total
        return self.depth_total > 0 and first and (self.stopped or "").startswith(BUDGET_SPENT)

    def depth(self) -> dict[str, int] | None:
        """How deep a budgeted run went: the operations whose second pass ran to its end, of all."""
        return {"full": self.depth_full, "total": self.depth_total} if self.depth_total else None

    def reach(self) -> dict[str, Any]:
        statuses = {op: sorted(codes) for op, codes in self.statuses.items()}
        return reach(sorted(self.operations), statuses, writes_allowed=self.config.writes_allowed)

    def skip(self, check: str, reason: str) -> None:
        self.skipped.setdefault(check, reason)

    def _checks(self) -> dict[str, dict[str, Any]]:
        """Per check: what it judged, and why it judged nothing where it did not run."""
        from conformance.checks import selected

        enabled = selected(self.config.checks, self.config.exclude_checks)
        profile = load_profile(self.config.profile)
        checks: dict[str, dict[str, Any]] = {}
        for check in CATALOGUE:
            passed, failed = self.tallies.get(check, [0, 0])
            entry: dict[str, Any] = {"passed": passed, "failed": failed}
            reason = self.skipped.get(check) or (None if check in enabled else _NOT_SELECTED)
            if not CHECKS[check].part_of(profile):
                reason, entry["not_applicable"] = f"not a convention of {profile.id}", True
            if reason is not None and not passed and not failed:
                entry["skipped"] = reason
            elif not passed and not failed:  # ran, and judged nothing: never shown as passed
                entry["not_judged"] = NOTHING
            checks[check] = entry
        return checks

    def _summary(self, findings: int, problems: int) -> dict[str, Any]:
        return {
            "operations_tested": len(self.operations),
            "operations": sorted(self.operations),
            "cases": self.cases,
            "checks": self._checks(),
            "profile": self.config.profile,
            "seed": int(self.config.seed or 0),
            "target": self.target,
            "spec": self.spec,
            "started": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - self.started, 3),
            "writes_allowed": self.config.writes_allowed,
            # None: no TLS (HTTP, in-process); False: --insecure, the target's certificate was never checked
            "tls_verified": not self.config.insecure if (self.config.base_url or "").lower()[:6] == "https:" else None,
            "max_examples": self.config.max_examples,
            "auth_probes": self.config.auth_probes,  # spread: each bad credential on a share of the operations
            "interrupted": self.interrupted,
            "signal": self.signal,
            "stopped": self.stopped,
            "target_gone": self.target_gone,
            "profile_decisions": load_profile(self.config.profile).decisions,
            "not_judged": sorted(self.unjudged),
            "tests": {"done": self.tests_done, "total": self.tests_total},
            "depth": self.depth(),
            "complete": self.complete,
            "min_reach": self.config.min_reach,
            "shard": self.config.shard,
            "mock_command": mock_command(self.config),
            "reach": self.reach(),
            "findings": findings,
            "problems": problems,
            "errors": self.errors,
            "notes": self.notes,
        }

    def as_dict(self) -> dict[str, Any]:
        findings = sorted(
            self.findings.values(),
            key=lambda f: (
                CATALOGUE.index(f["check"]) if f["check"] in CATALOGUE else 99,
                f["operation"],
                f["fingerprint"],
            ),
        )
        problems = group(findings, len(self.operations))
        return {
            "format": FORMAT,
            "summary": self._summary(len(findings), len(problems)),
            "catalogue": {
                cid: {"summary": c.summary, "doc": c.doc, "schema": c.schema, "severity": c.severity}
                for cid, c in CHECKS.items()
            },
            "problems": problems,
            "findings": findings,
        }


def json_text(data: Any, name: str) -> str:
    """`data` as the JSON text of the file `name`, or one SetupError: a value JSON cannot hold (NaN, an infinity)
    is never written as the `NaN`/`Infinity` no JSON reader (ours included) accepts."""
    try:
        return json.dumps(data, indent=2, allow_nan=False)
    except ValueError as exc:
        raise SetupError(f"{name} cannot be written: {exc}", "this is a bug: please report it") from None


def write_results(path: Path, results: dict[str, Any], redact: Any) -> None:
    text = json_text(results, path.name)  # before anything is written: no file at all rather than a broken one
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(text) + "\n", encoding="utf-8")


def reach(operations: list[str], statuses: dict[str, list[int]], *, writes_allowed: bool = True) -> dict[str, Any]:
    """What the run could judge: an operation whose requests never got a 2xx had its success path (response
    schema, list envelope, lifecycle) untested, whatever the tallies say. Where writes are not allowed, the writes
    are not reachable at all (only their inert probes go out): listed apart, and not counted in the percentage,
    so --min-reach on a read-only run asks for the reads."""
    from conformance.client.client import WRITE_METHODS

    held = [op for op in operations if not writes_allowed and op.split(" ", 1)[0] in WRITE_METHODS]
    reachable = [op for op in operations if op not in held]
    reached = {op for op in reachable if any(200 <= code < 300 for code in statuses.get(op, []))}
    return {
        "operations": len(reachable),
        "reached_2xx": len(reached),
        "percent": round(100.0 * len(reached) / len(reachable), 1) if reachable else 0.0,
        "never_2xx": [op for op in reachable if op not in reached],
        "not_allowed": held,
        "statuses": {op: statuses.get(op, []) for op in operations},
    }


def mock_command(config: Config) -> str | None:
    """The command that serves the embedded mock as an in-process run saw it, where its repros point."""
    if not config.uses_mock or config.mock_http:
        return None
    import shlex

    from conformance.engine.runtime import MOCK_PORT

    words = ["voipbin-conformance", "mock", "--seed", str(config.seed or 0), "--port", str(MOCK_PORT)]
    if config.spec:
        words += ["--spec", config.spec]
    if config.profile != DEFAULT_PROFILE:
        words += ["--profile", config.profile]
    for fault in config.mock_faults:
        words += ["--fault", fault]
    return " ".join(shlex.quote(word) for word in words)
