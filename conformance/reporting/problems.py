"""Problems, not findings: findings grouped by check and kind of violation across operations, ranked for the
person deciding what to fix first (severity, then how many operations it reaches).

A problem's id depends only on its check and kind (never an operation or a generated value), so the same cause
has the same id in every run: baselines and diffs can follow it as it spreads or shrinks.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from conformance.checks import CHECKS, SEVERITIES, ProblemKind, default_grouping


def kind_of(finding: dict[str, Any]) -> ProblemKind:
    """The problem a finding belongs to, as its check declares it (the registry decides, not this module)."""
    key = str(finding.get("key") or finding.get("message") or "")
    status = finding.get("status") if isinstance(finding.get("status"), int) else None
    check = CHECKS.get(finding["check"])
    return check.problem_kind(key, status) if check is not None else default_grouping(key, status)


# One escaped or non-ASCII character: `\u00e9`, `\xe9`, `\351`, `%C3`, or such a character itself.
_ESCAPE = r"(?:\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|\\[0-7]{3}|%[0-9a-fA-F]{2}|[^\x00-\x7f])"
_ESCAPE_RUN = re.compile(f"{_ESCAPE}{{2,}}")  # a lone `%3A` in a query reads fine; `%E2%80%8B…` does not
_PENALTY = 8  # each character of an escape run weighs as much as this many plain ones


def unreadable(repro: str) -> tuple[int, int]:
    """How hard `repro` is to read, lowest first: its length, with every character in a run of escapes or
    non-ASCII characters and every invisible or control character (newlines and spaces aside) weighing
    `_PENALTY`; then its length. The shortest readable repro of a problem is the one a person can run and understand."""
    runs = sum(len(match) for match in _ESCAPE_RUN.findall(repro))
    hidden = sum(1 for char in repro if char not in "\n " and unicodedata.category(char)[0] in "CZ")
    return len(repro) + (_PENALTY - 1) * (runs + hidden), len(repro)


def problem_id(check: str, kind: str) -> str:
    return hashlib.sha256(f"problem|{check}|{kind}".encode()).hexdigest()[:12]


def group(findings: list[dict[str, Any]], operations_tested: int) -> list[dict[str, Any]]:
    """The problems behind `findings`; each finding gets its problem's id under "problem"."""
    problems: dict[str, dict[str, Any]] = {}
    for finding in findings:
        check, kind = finding["check"], kind_of(finding)
        pid = problem_id(check, kind.kind)
        finding["problem"] = pid
        problem = problems.get(pid)
        if problem is None:
            spec = CHECKS.get(check)
            problem = problems[pid] = {
                "id": pid,
                "check": check,
                "severity": kind.severity or (spec.severity if spec else "medium"),
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
        if repro and (not problem["repro"] or unreadable(repro) < unreadable(problem["repro"])):
            problem["repro"] = repro
    ranked = sorted(
        problems.values(),
        key=lambda p: (SEVERITIES.index(p["severity"]), -len(p["operations"]), -p["findings"], p["id"]),
    )
    for problem in ranked:
        problem["statuses"] = sorted(problem.get("statuses", ()))
        spec = CHECKS.get(problem["check"])
        problem["title"] = problem.pop("kind").title(spec.problem if spec else problem["check"], problem["statuses"])
        problem["operations"] = sorted(problem["operations"])
        problem["operations_affected"] = len(problem["operations"])
        problem["operations_tested"] = operations_tested
    return ranked
