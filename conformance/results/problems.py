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
    """The problem a finding belongs to on its own, as its check declares it (the registry decides)."""
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


Root = tuple[str, str]  # (check, problem kind)
_WAITING: Root = ("", "")  # a finding whose place is decided in the next round


class _Kinds:
    """The kind of every finding of one set: its own, or the one its check's findings make together on its
    operation (registry `cluster`); and which problem each is a consequence of, if any (`claims`, `caused_by`)."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        keys: dict[tuple[str, str], set[str]] = {}
        for finding in findings:
            keys.setdefault((finding["check"], finding["operation"]), set()).add(str(finding.get("key") or ""))
        self._clustered: dict[tuple[str, str], ProblemKind] = {}
        for check in {check for check, _ in keys}:
            spec = CHECKS.get(check)
            by_operation = {op: found for (c, op), found in keys.items() if c == check}
            for op, kind in (spec.problem_kinds(by_operation) if spec else {}).items():
                self._clustered[(check, op)] = kind

    def of(self, finding: dict[str, Any]) -> ProblemKind:
        return self._clustered.get((finding["check"], finding["operation"])) or kind_of(finding)

    def roots(self, findings: list[dict[str, Any]]) -> dict[Root, set[str]]:
        """The problems these findings make, (check, kind) -> operations."""
        found: dict[Root, set[str]] = {}
        for finding in findings:
            found.setdefault((finding["check"], self.of(finding).kind), set()).add(finding["operation"])
        return found

    def claimed(self, finding: dict[str, Any], roots: dict[Root, set[str]]) -> Root | None:
        """The root problem a claiming check (server_error: a 5xx or a silence) takes `finding` into, where that
        problem was found on the same operation."""
        status = finding.get("status") if isinstance(finding.get("status"), int) else None
        error = (finding.get("response") or {}).get("error")
        for check in CHECKS.values():
            claimed = check.claims(status, error) if check.claims and check.id != finding["check"] else None
            if claimed and finding["operation"] in roots.get((check.id, claimed), ()):
                return check.id, claimed
        return None

    def cause(self, finding: dict[str, Any], roots: dict[Root, set[str]]) -> Root | None:
        """The problem the finding's own kind names as its cause (caused_by), found on the same operation."""
        own = self.of(finding)
        if own.caused_by is None:
            return None
        wanted_check, wanted_kind = own.caused_by
        for (check, kind), operations in sorted(roots.items()):
            other = (check, kind) != (finding["check"], own.kind)
            here = own.caused_anywhere or finding["operation"] in operations
            if other and check == wanted_check and wanted_kind in (None, kind) and here:
                return check, kind
        return None

    def consequences(self, findings: list[dict[str, Any]]) -> list[Root | None]:
        """Per finding, the problem it is a consequence of (None: its own): one 500, or one answer that is not
        JSON, is one cause however many checks saw it. Claims first; a cause must be a problem standing alone."""
        every = self.roots(findings)
        claimed = [self.claimed(finding, every) for finding in findings]
        standing = self.roots([f for f, root in zip(findings, claimed, strict=True) if root is None])
        roots = [root or self.cause(finding, standing) for finding, root in zip(findings, claimed, strict=True)]
        # A cause can itself be a consequence on that operation (a body not JSON, caused by its media type):
        # follow to the problem that stands.
        onward = {
            (f["check"], self.of(f).kind, f["operation"]): root
            for f, root in zip(findings, roots, strict=True)
            if root is not None
        }
        final = [self._final(root, f["operation"], onward) for f, root in zip(findings, roots, strict=True)]
        return self._standing(findings, final)

    def _standing(self, findings: list[dict[str, Any]], roots: list[Root | None]) -> list[Root | None]:
        """A finding is a consequence only of a problem that stands (found, and not folded elsewhere itself). Where
        its root fell into another (a body not JSON, folded under its media type), it takes a cause that stands;
        with none (a cycle), it stands itself, one at a time: it may be the root the others wanted."""
        while True:
            standing = self.roots([f for f, root in zip(findings, roots, strict=True) if root is None])
            orphans = [i for i, root in enumerate(roots) if root is not None and root not in standing]
            if not orphans:
                return roots
            for i in orphans:
                roots[i] = self.cause(findings[i], standing)
            unplaced = [i for i in orphans if roots[i] is None]
            for i in unplaced[1:]:
                roots[i] = _WAITING  # asked again next round: the first one, standing now, may be their cause
            if not unplaced:
                return roots

    @staticmethod
    def _final(root: Root | None, operation: str, onward: dict[tuple[str, str, str], Root]) -> Root | None:
        seen: set[Root] = set()
        while root is not None and (*root, operation) in onward and root not in seen:
            seen.add(root)
            root = onward[(*root, operation)]
        return root


def group(findings: list[dict[str, Any]], operations_tested: int) -> list[dict[str, Any]]:
    """The problems behind `findings`, one per cause; each finding gets its problem's id under "problem", and a
    finding that is another problem's consequence is counted there, its check listed under "consequences"."""
    problems: dict[str, dict[str, Any]] = {}
    consequences = []
    kinds = _Kinds(findings)
    for finding, root in zip(findings, kinds.consequences(findings), strict=True):
        if root is not None:
            consequences.append((finding, root))
            continue
        kind = kinds.of(finding)
        pid = finding["problem"] = problem_id(finding["check"], kind.kind)
        _add(problems.get(pid) or problems.setdefault(pid, _opened(pid, finding, kind)), finding)
    for finding, (root_check, root_kind) in consequences:  # counted under their root, found there too
        problem = problems[problem_id(root_check, root_kind)]
        finding["problem"] = problem["id"]
        problem["consequences"][finding["check"]] = problem["consequences"].get(finding["check"], 0) + 1
        problem["occurrences"] += int(finding.get("occurrences", 1))
    ranked = sorted(
        problems.values(),
        key=lambda p: (SEVERITIES.index(p["severity"]), -len(p["operations"]), -p["findings"], p["id"]),
    )
    return [_finished(problem, operations_tested) for problem in ranked]


def _opened(pid: str, finding: dict[str, Any], kind: ProblemKind) -> dict[str, Any]:
    """A new problem, from its first finding."""
    spec = CHECKS.get(finding["check"])
    return {
        "id": pid,
        "check": finding["check"],
        "severity": kind.severity or (spec.severity if spec else "medium"),
        "kind": kind,
        "doc": spec.doc if spec else "",
        "operations": set(),
        "statuses": set(),
        "consequences": {},
        "findings": 0,
        "occurrences": 0,
        "repro": finding.get("repro", ""),
    }


def _add(problem: dict[str, Any], finding: dict[str, Any]) -> None:
    """One more finding of a problem: its operation, status and count; its repro if it reads shorter."""
    problem["operations"].add(finding["operation"])
    if isinstance(finding.get("status"), int):
        problem["statuses"].add(finding["status"])
    problem["findings"] += 1
    problem["occurrences"] += int(finding.get("occurrences", 1))
    repro = finding.get("repro") or ""
    if repro and (not problem["repro"] or unreadable(repro) < unreadable(problem["repro"])):
        problem["repro"] = repro


def _finished(problem: dict[str, Any], operations_tested: int) -> dict[str, Any]:
    """A problem as results.json holds it: sorted lists, its title in words."""
    problem["statuses"] = sorted(problem["statuses"])
    spec = CHECKS.get(problem["check"])
    problem["title"] = problem.pop("kind").title(spec.problem if spec else problem["check"], problem["statuses"])
    problem["operations"] = sorted(problem["operations"])
    problem["operations_affected"] = len(problem["operations"])
    problem["operations_tested"] = operations_tested
    return problem
