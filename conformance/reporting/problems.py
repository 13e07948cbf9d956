"""Problems, not findings: findings grouped by check and kind of violation across operations, ranked for the
person deciding what to fix first (severity, then how many operations it reaches).

A problem's id depends only on its check and kind (never an operation or a generated value), so the same cause
has the same id in every run: baselines and diffs can follow it as it spreads or shrinks.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from conformance.checks import CHECKS, SEVERITIES

# Probes of these checks differ only in which bad credential they present: failing the same way (the same
# answer) is one cause, "the target does not enforce authentication", not seven.
_VARIANT_CHECKS = ("auth_missing_rejected", "auth_invalid_rejected", "auth_accepted")


def kind_of(finding: dict[str, Any]) -> str:
    key = str(finding.get("key") or finding.get("message") or "")
    if finding["check"] in _VARIANT_CHECKS:
        outcome = key.rsplit(":", 1)[-1]  # "200", "404", "no-answer", or a mechanism's name
        if outcome.isdigit():  # 200 or 404 alike: the credential was not refused
            return "server-error" if int(outcome) >= 500 else "not-refused"
        return outcome
    if finding["check"] == "invalid_input_rejected":  # one problem per schema keyword the target lets through
        keyword = re.search(r"`(\w+)`", key)
        return f"accepted:{keyword.group(1)}" if keyword else key
    return key


def problem_id(check: str, kind: str) -> str:
    return hashlib.sha256(f"problem|{check}|{kind}".encode()).hexdigest()[:12]


def _title(check: str, kind: str, statuses: list[int]) -> str:
    phrase = CHECKS[check].problem if check in CHECKS else check
    if check in ("auth_missing_rejected", "auth_invalid_rejected") and statuses:
        return f"{phrase}: answered {', '.join(map(str, statuses))}"
    detail = " ".join(kind.replace("-", " ").replace("_", " ").split(":")).strip()
    return f"{phrase} ({detail})" if detail else phrase


def group(findings: list[dict[str, Any]], operations_tested: int) -> list[dict[str, Any]]:
    """The problems behind `findings`; each finding gets its problem's id under "problem"."""
    problems: dict[str, dict[str, Any]] = {}
    for finding in findings:
        check, kind = finding["check"], kind_of(finding)
        pid = problem_id(check, kind)
        finding["problem"] = pid
        problem = problems.get(pid)
        if problem is None:
            spec = CHECKS.get(check)
            problem = problems[pid] = {
                "id": pid,
                "check": check,
                "severity": spec.severity if spec else "medium",
                "kind": kind,
                "doc": spec.doc if spec else "",
                "operations": set(),
                "findings": 0,
                "occurrences": 0,
                "repro": finding.get("repro", ""),
            }
        problem["operations"].add(finding["operation"])
        if isinstance(finding.get("status"), int):
            problem.setdefault("statuses", set()).add(finding["status"])
        problem["findings"] += 1
        problem["occurrences"] += int(finding.get("occurrences", 1))
        repro = finding.get("repro") or ""
        if repro and (not problem["repro"] or len(repro) < len(problem["repro"])):
            problem["repro"] = repro
    ranked = sorted(
        problems.values(),
        key=lambda p: (SEVERITIES.index(p["severity"]), -len(p["operations"]), -p["findings"], p["id"]),
    )
    for problem in ranked:
        problem["statuses"] = sorted(problem.get("statuses", ()))
        problem["title"] = _title(problem["check"], problem.pop("kind"), problem["statuses"])
        problem["operations"] = sorted(problem["operations"])
        problem["operations_affected"] = len(problem["operations"])
        problem["operations_tested"] = operations_tested
    return ranked


def headline(problems: list[dict[str, Any]]) -> str:
    """'3 problems, 1 critical' or 'no problem'."""
    if not problems:
        return "no problem"
    critical = sum(1 for p in problems if p["severity"] == "critical")
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}, {critical} critical"
