"""The run's verdict, decided once: from the results (findings, problems, completeness, reach, suite errors, what
was not judged) and the baseline comparison. results.json stores it (`summary.verdict`); every output — the exit
code, the console, report.html, summary.md, the GitHub step summary and annotations, JUnit — renders that value
and decides nothing of its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

EXIT_OK, EXIT_FINDINGS, EXIT_SETUP, EXIT_CRASH = 0, 1, 2, 3
"""0 passed; 1 problems found; 2 incomplete, interrupted or bad input (nothing judged is not a pass); 3 a crash: an
error in the suite itself (never 1, which CI reads as problems in the API)."""
_LISTED = 10  # things not judged named one by one in the reasons
NOTHING = "nothing it applies to was sent or seen"  # a check that judged nothing, no reason given
Outcome = Literal["passed", "failed", "incomplete", "error"]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    exit_code: int
    headline: str  # one sentence, what every output leads with
    reasons: list[str] = field(default_factory=list)  # why, and what was not judged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Verdict:
        """The verdict stored in a results file (a file that predates it gets one decided from its contents)."""
        stored = (data.get("summary") or {}).get("verdict")
        if isinstance(stored, dict) and stored.get("outcome") in ("passed", "failed", "incomplete", "error"):
            return cls(stored["outcome"], int(stored["exit_code"]), str(stored["headline"]), list(stored["reasons"]))
        return decide(data)


def decide(
    results: dict[str, Any] | None,
    *,
    min_reach: float | None = None,
    session_ok: bool = True,
    baseline_worse: bool | None = None,
) -> Verdict:
    """`session_ok`: pytest ended normally (tests ran, passed or failed), not in an internal or usage error.
    `baseline_worse`: with a baseline, whether this run has a new or spreading problem or a new finding."""
    if results is None:
        return Verdict("error", EXIT_SETUP, "No verdict: the run wrote no results")
    summary = results["summary"]
    findings, problems = results.get("findings") or [], results.get("problems") or []
    minimum = summary.get("min_reach", min_reach) if min_reach is None else min_reach
    failing = bool(findings) if baseline_worse is None else baseline_worse
    found = _found(findings, problems, baseline_worse)
    if summary.get("interrupted"):  # the user's word, whenever it came: never a pass, whatever else holds
        return Verdict("incomplete", EXIT_SETUP, _interrupted(summary), [f"found so far: {text}" for text in found])
    if summary.get("target_gone"):
        return Verdict("incomplete", EXIT_SETUP, f"Incomplete: {summary['target_gone']}", found)
    if not session_ok:
        return Verdict("error", EXIT_FINDINGS if failing else EXIT_SETUP, "No verdict: the suite could not run", found)
    if not summary.get("complete", True):
        return Verdict("incomplete", EXIT_FINDINGS if failing else EXIT_SETUP, _incomplete(summary), found)
    if summary.get("errors"):
        headline = f"No verdict: the suite itself failed (a crash) on {len(summary['errors'])} test(s)"
        return Verdict("error", EXIT_CRASH, headline, found)
    nothing = _nothing_judged(summary, findings)
    if nothing:
        return Verdict("incomplete", EXIT_SETUP, nothing, [r for r in _not_judged(summary) if NOT_SELECTED not in r])
    short = _short_reach(summary, minimum)
    if failing or short:
        headline = found[0] if failing else short
        reasons = [*found[1:], *([short] if short else []), *_depth(summary)]  # the findings of a cut run: fewer
        return Verdict("failed", EXIT_FINDINGS, f"Failed: {headline}", reasons)
    return _passed(summary, findings)


def _found(findings: list[dict[str, Any]], problems: list[dict[str, Any]], baseline_worse: bool | None) -> list[str]:
    if not findings:
        return []
    critical = sum(1 for p in problems if p.get("severity") == "critical")
    count = len(problems) or len(findings)
    text = f"{count} problem{'s' if count != 1 else ''}, {critical} critical ({len(findings)} findings)"
    if baseline_worse is False:
        return [f"{text}, all known to the baseline"]
    if baseline_worse:
        return [f"{text}; new or spreading since the baseline"]
    return [text]


def _incomplete(summary: dict[str, Any]) -> str:
    tests = summary.get("tests") or {}
    why = summary.get("stopped") or ("interrupted" if summary.get("interrupted") else "not every test ran")
    if summary.get("missing_shards"):
        why = f"shard(s) {', '.join(map(str, summary['missing_shards']))} missing from the merge"
    return f"Incomplete: {tests.get('done', '?')} of {tests.get('total', '?')} tests ran ({why})"


def _interrupted(summary: dict[str, Any]) -> str:
    tests = summary.get("tests") or {}
    by = summary.get("signal") or "Ctrl-C or SIGTERM"
    done, total = tests.get("done", "?"), tests.get("total", "?")
    if isinstance(done, int) and isinstance(total, int) and total and done >= total:
        return f"Interrupted ({by}) as the run ended: all {total} tests ran, but the run did not finish; not a pass"
    return f"Interrupted ({by}): {done} of {total} tests ran; what did not run was not judged"


def selected_checks(summary: dict[str, Any]) -> list[str]:
    """The checks the run was asked for and its profile has: neither left out by --checks/--exclude-checks nor
    another profile's convention."""
    return [
        check
        for check, entry in (summary.get("checks") or {}).items()
        if not entry.get("not_applicable") and not str(entry.get("skipped") or "").startswith(NOT_SELECTED)
    ]


NOT_SELECTED = "not selected"  # how results.json's checks say --checks/--exclude-checks left one out


def _nothing_judged(summary: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """Where no check the run asked for judged anything: what was asked, and that none of it was judged."""
    checks = summary.get("checks") or {}
    if findings or not checks:
        return ""
    asked = selected_checks(summary)
    if any(checks[check].get("passed") or checks[check].get("failed") for check in asked):
        return ""
    named = ", ".join(asked[:_LISTED]) + (f" and {len(asked) - _LISTED} more" if len(asked) > _LISTED else "")
    return f"Not judged: none of the checks asked for ({named or 'none'}) judged anything; not a pass"


def _short_reach(summary: dict[str, Any], minimum: float | None) -> str:
    reach = summary.get("reach") or {}
    if minimum is None or reach.get("percent", 100.0) >= minimum:
        return ""
    return f"only {reach.get('percent', 0):g}% of operations answered a 2xx (--min-reach {minimum:g}%)"


def _passed(summary: dict[str, Any], findings: list[dict[str, Any]]) -> Verdict:
    """A pass says what it judged: "follows every checked convention" only where every check judged something,
    every operation was reached, and writes were allowed; otherwise it names what was not judged."""
    unjudged = _not_judged(summary)
    if findings:
        known = f"no new problem; {len(findings)} finding(s) already known to the baseline"
        return Verdict("passed", EXIT_OK, f"Passed against the baseline: {known}", unjudged)
    if unjudged:
        return Verdict("passed", EXIT_OK, "Passed: no problem found in what was judged", unjudged)
    return Verdict("passed", EXIT_OK, "Passed: the target follows every checked convention")


def _depth(summary: dict[str, Any]) -> list[str]:
    """How deep a budgeted run went, where the budget cut it: said whether it passed or failed."""
    depth = summary.get("depth") or {}
    if depth.get("full", 0) >= depth.get("total", 0):
        return []
    return [
        f"depth: {depth['full']} of {depth['total']} operations got all their cases within the budget; every "
        "operation had its probes, first boundary cases and a first generated case"
    ]


def _not_judged(summary: dict[str, Any]) -> list[str]:
    reasons = _depth(summary)
    if not summary.get("writes_allowed", True):
        reasons.append("read-only: no write was judged (creates, updates, deletes; --allow-writes to judge them)")
    reach = summary.get("reach") or {}
    never = reach.get("never_2xx") or []
    if never:
        reasons.append(
            f"{len(never)} of {reach.get('operations', '?')} operations never answered a 2xx: their success path "
            "(response schema, list envelope) was not judged"
        )
    unjudged = summary.get("not_judged") or []
    reasons += [f"not judged: {item}" for item in unjudged[:_LISTED]]
    if len(unjudged) > _LISTED:
        reasons.append(f"… and {len(unjudged) - _LISTED} more not judged (results.json summary.not_judged)")
    by_reason: dict[str, list[str]] = {}
    for check, entry in (summary.get("checks") or {}).items():
        if entry.get("not_applicable"):
            continue  # the profile has no such convention: nothing was left out
        if entry.get("skipped") or (not entry.get("passed") and not entry.get("failed")):
            by_reason.setdefault(entry.get("skipped") or entry.get("not_judged") or NOTHING, []).append(check)
    reasons += [f"{', '.join(checks)} not run: {why}" for why, checks in by_reason.items()]
    return reasons
