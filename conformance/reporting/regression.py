"""Comparing two runs: which findings are new, fixed or persisting, keyed by fingerprint (check + operation +
the kind of violation), never by message text or generated values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.errors import SetupError
from conformance.reporting.out import oneline

REGRESSION_FORMAT = "voipbin-conformance/regression/1"
# What only one of the two runs tested: a diff is only as good as the overlap it compares.
ONE_SIDED = ("operations_only_in_baseline", "operations_only_in_new", "checks_only_in_baseline", "checks_only_in_new")


def load_results(path: str) -> dict[str, Any]:
    """A results file, bounded and validated against results.schema.json before anything reads it."""
    from conformance.reporting.results_file import load

    return load(path)


@dataclass
class Regression:
    """Two runs compared. A finding seen only on random draws (`drawn`) is evidence of what one seed happened to
    send: with different seeds its absence is "not retested", never "fixed", and its appearance is "newly drawn",
    never a regression (the boundary cases and probes, which every run sends, are the regression gate)."""

    baseline: dict[str, Any]
    new: dict[str, Any]

    @property
    def same_seed(self) -> bool:
        return bool(self.baseline["summary"].get("seed") == self.new["summary"].get("seed"))

    def replayed(self, finding: dict[str, Any]) -> bool:
        """Whether the other run sent the request behind this finding too: every run sends it, or the seed is one."""
        return self.same_seed or not finding.get("drawn", False)

    def as_dict(self) -> dict[str, Any]:
        old, new = _index(self.baseline), _index(self.new)
        old_ops, new_ops = set(self.baseline["summary"]["operations"]), set(self.new["summary"]["operations"])
        old_checks, new_checks = _ran(self.baseline), _ran(self.new)
        # A check the new run applied once (not per operation) looked again at its own probe.
        probes = {f["operation"] for f in old.values() if _once_per_run(f["check"]) and f["check"] in new_checks}
        gone = [old[k] for k in sorted(old.keys() - new.keys())]
        appeared = [new[k] for k in sorted(new.keys() - old.keys())]

        def retested(finding: dict[str, Any]) -> bool:
            # Fixed means looked at again and not found: the new run sent that request to its operation again.
            where = finding["operation"] in new_ops | probes
            return where and finding["check"] in new_checks and self.replayed(finding)

        return {
            "format": REGRESSION_FORMAT,
            "baseline": _header(self.baseline),
            "new_run": _header(self.new),
            "same_seed": self.same_seed,
            "problems": self._problems(new_ops | probes, new_checks),
            "new": [f for f in appeared if self.replayed(f)],
            "newly_drawn": [f for f in appeared if not self.replayed(f)],
            "fixed": [f for f in gone if retested(f)],
            "not_retested": [f for f in gone if not retested(f)],
            "persisting": [new[k] for k in sorted(new.keys() & old.keys())],
            "operations_only_in_baseline": sorted(old_ops - new_ops),
            "operations_only_in_new": sorted(new_ops - old_ops),
            "checks_only_in_baseline": sorted(old_checks - new_checks),
            "checks_only_in_new": sorted(new_checks - old_checks),
        }

    def _problems(self, new_ops: set[str], new_checks: set[str]) -> dict[str, list[dict[str, Any]]]:
        (old, old_findings), (new, new_findings) = _problems(self.baseline), _problems(self.new)
        return compare_problems(
            old, new, new_ops, new_checks, firm_old=self._firm(old_findings), firm_new=self._firm(new_findings)
        )

    def _firm(self, findings: list[dict[str, Any]]) -> dict[str, set[str]]:
        """Per problem, the operations where the other run would have sent the request that showed it."""
        firm: dict[str, set[str]] = {}
        for finding in findings:
            if self.replayed(finding):
                firm.setdefault(finding.get("problem", ""), set()).add(finding["operation"])
        return firm


def _index(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["fingerprint"]: f for f in results["findings"]}


def _once_per_run(check_id: str) -> bool:
    """A check the run applies once, not per operation: its finding's operation is its own probe, never listed."""
    from conformance.checks import CHECKS, Subject

    check = CHECKS.get(check_id)
    return check is not None and check.subject is Subject.RUN


def _ran(results: dict[str, Any]) -> set[str]:
    return {c for c, e in results["summary"]["checks"].items() if e["passed"] or e["failed"]}


def _problems(results: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The run's problems and its findings, each naming its problem (regrouped for files that predate either)."""
    import copy

    from conformance.results.problems import group

    findings = results["findings"]
    if "problems" in results and all("problem" in f for f in findings):
        return list(results["problems"]), findings
    findings = copy.deepcopy(findings)
    return group(findings, results["summary"].get("operations_tested", 0)), findings


def compare_problems(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    new_ops: set[str],
    new_checks: set[str],
    *,
    firm_old: dict[str, set[str]] | None = None,
    firm_new: dict[str, set[str]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """New, spreading (reaches operations it did not), fixed (retested, gone), not retested, persisting.

    `firm_*`: per problem, the operations where the other run would have sent the same request (every run sends
    it, or the seed is the same); a problem only random draws showed is "newly drawn" when it appears, and "not
    retested" when it disappears. Without them every finding counts as firm."""
    before, after = {p["id"]: p for p in old}, {p["id"]: p for p in new}

    def firm(problem: dict[str, Any], table: dict[str, set[str]] | None) -> set[str]:
        listed = set(problem["operations"])  # a consequence's probe (an unknown route) is not one of them
        return listed if table is None else table.get(problem["id"], set()) & listed

    spreading = []
    for pid in sorted(before.keys() & after.keys()):
        gained = sorted(firm(after[pid], firm_new) - set(before[pid]["operations"]))
        if gained:
            spreading.append(
                {**after[pid], "gained_operations": gained, "was_affected": len(before[pid]["operations"])}
            )
    appeared = [after[pid] for pid in sorted(after.keys() - before.keys())]
    gone = [before[pid] for pid in sorted(before.keys() - after.keys())]

    def retested(problem: dict[str, Any]) -> bool:
        # Fixed only where the new run looked again at every operation it reached, with its check and requests.
        ops = set(problem["operations"])
        return problem["check"] in new_checks and ops <= new_ops and ops <= firm(problem, firm_old)

    return {
        "new": [p for p in appeared if firm(p, firm_new)],
        "newly_drawn": [p for p in appeared if not firm(p, firm_new)],
        "spreading": sorted(spreading, key=lambda p: -len(p["gained_operations"])),
        "fixed": [p for p in gone if retested(p)],
        "not_retested": [p for p in gone if not retested(p)],
        "persisting": [after[pid] for pid in sorted(after.keys() & before.keys())],
    }


def _header(results: dict[str, Any]) -> dict[str, Any]:
    summary = results["summary"]
    keys = ("target", "spec", "profile", "seed", "started", "operations_tested", "cases")
    return {key: summary.get(key) for key in keys} | {"findings": len(results["findings"])}


def compare(baseline: dict[str, Any], new: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
    old_spec, new_spec = baseline["summary"].get("spec"), new["summary"].get("spec")
    if old_spec != new_spec and not force:
        raise SetupError(
            f"the runs tested different specs ({old_spec} vs {new_spec})", "pass --force to compare them anyway"
        )
    return Regression(baseline, new).as_dict()


def worse(regression: dict[str, Any]) -> bool:
    """A new finding, a new problem, or a problem that reaches more operations than before; what only this run's
    random draws showed ("newly drawn", with another seed) is shown, not held against the target."""
    problems = regression.get("problems") or {}
    return bool(regression["new"] or problems.get("new") or problems.get("spreading"))


def describe(regression: dict[str, Any]) -> str:
    """The comparison for a terminal: every field from a results file on one line of its own, capped."""
    problems = regression.get("problems") or {}
    lines = []
    for label, key in (("NEW", "new"), ("SPREADING", "spreading"), ("fixed", "fixed")):
        for problem in problems.get(key, []):
            grown = f" (+{len(problem['gained_operations'])} operations)" if key == "spreading" else ""
            lines.append(f"{label:<9} problem [{oneline(problem['severity'], 20)}] {oneline(problem['title'])}{grown}")
    lines += [
        f"{len(regression['new'])} new, {len(regression['fixed'])} fixed, "
        f"{len(regression['persisting'])} persisting finding(s), "
        f"{len(regression.get('not_retested', []))} not retested (the new run did not test their operation/check)"
    ]
    for label, key in (("new", "new"), ("fixed", "fixed")):
        for finding in regression[key]:
            where = f"[{oneline(finding['check'], 60)}] {oneline(finding['operation'], 200)}"
            lines.append(f"  {label:<6} {where}: {oneline(finding['message'])}")
    for key in ONE_SIDED:
        if regression[key]:
            shown = ", ".join(oneline(item, 200) for item in regression[key][:10])
            lines.append(f"  {key.replace('_', ' ')}: {shown}" + (" …" if len(regression[key]) > 10 else ""))
    return "\n".join(lines)
