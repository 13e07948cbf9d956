"""Joining the results of shards (`--shard I/N` jobs) into one results.json, junit.xml and report.html."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from conformance import interrupts as _stop
from conformance.config import MAX_SHARDS, ensure_report_dir
from conformance.errors import SetupError
from conformance.redact import Redactor
from conformance.reporting import ci_summary, results_file
from conformance.reporting.out import Out
from conformance.reporting.results import json_text, reach
from conformance.reporting.static_html import render_results
from conformance.results.finding import absorb
from conformance.results.problems import group
from conformance.results.verdict import Verdict, decide


def _shard(part: dict[str, Any], name: str) -> tuple[int, int]:
    """(I, N) from a shard's results; N is bounded, since a merge lists every shard it is missing."""
    shard = part["summary"].get("shard")
    match = re.fullmatch(r"(\d{1,4})/(\d{1,4})", shard) if isinstance(shard, str) else None
    if match is None:
        raise SetupError(f"{name} is not the results of a shard (run with --shard I/N)", "merge only shard results")
    index, total = int(match[1]), int(match[2])
    if not 1 <= index <= total <= MAX_SHARDS:
        raise SetupError(
            f"{name} claims to be shard {index}/{total}: a shard is I/N with 1 <= I <= N <= {MAX_SHARDS}",
            "merge the results of `run --shard I/N`",
        )
    return index, total


def check_shards(parts: list[tuple[str, dict[str, Any]]], *, allow_partial: bool) -> list[int]:
    """Exactly one results file per shard of one N: a missing shard would pass off untested operations as
    passed, a repeated one would count everything twice. Returns the missing shard numbers."""
    seen: dict[int, str] = {}
    totals = set()
    for name, part in parts:
        index, total = _shard(part, name)
        totals.add(total)
        if index in seen:
            raise SetupError(f"shard {index}/{total} is given twice ({seen[index]} and {name})", "pass each shard once")
        seen[index] = name
    if len(totals) > 1:
        raise SetupError(f"the shards split the spec differently (N = {sorted(totals)})", "merge shards of one run")
    total = totals.pop()
    missing = [n for n in range(1, total + 1) if n not in seen]
    if missing and not allow_partial:
        listed = ", ".join(f"{n}/{total}" for n in missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise SetupError(
            f"shard(s) {listed} missing: the merge would not cover the spec",
            "pass every shard's results.json, or --allow-partial to merge what there is (marked incomplete)",
        )
    return missing


def merge(
    parts: list[dict[str, Any]], *, force: bool = False, names: list[str] | None = None, allow_partial: bool = False
) -> dict[str, Any]:
    if not parts:
        raise SetupError("merge needs at least one results file")
    named = list(zip(names or [f"results file {n}" for n in range(1, len(parts) + 1)], parts, strict=True))
    first = parts[0]["summary"]
    for name, part in named[1:]:
        for key in ("spec", "profile", "seed", "target"):
            if part["summary"].get(key) != first.get(key) and not force:
                raise SetupError(
                    f"{name} is from another run: its {key} differs ({first.get(key)} vs {part['summary'].get(key)})",
                    "merge shards of one run, or pass --force",
                )
    missing = check_shards(named, allow_partial=allow_partial)
    merged = copy.deepcopy(parts[0])
    summary = merged["summary"]
    findings = {f["fingerprint"]: f for f in merged["findings"]}
    for part in parts[1:]:
        _add(summary, findings, part)
    summary["operations_tested"] = len(summary["operations"])
    summary["shards"] = len(parts)
    summary["shard"] = None
    summary["missing_shards"] = missing
    summary["complete"] = not missing and all(p["summary"].get("complete", True) for p in parts)
    _reach(summary, parts)
    merged["findings"] = sorted(findings.values(), key=lambda f: (f["check"], f["operation"], f["fingerprint"]))
    summary["findings"] = len(merged["findings"])
    merged["problems"] = group(merged["findings"], summary["operations_tested"])
    summary["problems"] = len(merged["problems"])
    summary["verdict"] = decide(merged).as_dict()  # the shards' --min-reach, completeness and findings together
    return merged


def _reach(summary: dict[str, Any], parts: list[dict[str, Any]]) -> None:
    """The reach of the shards together, and the strictest --min-reach any of them was held to (whatever the order
    of the files, the same verdict)."""
    statuses: dict[str, list[int]] = {}
    for part in parts:
        for op, codes in ((part["summary"].get("reach") or {}).get("statuses") or {}).items():
            statuses[op] = sorted(set(statuses.get(op, [])) | set(codes))
    summary["reach"] = reach(summary["operations"], statuses, writes_allowed=summary.get("writes_allowed", True))
    minimums = [p["summary"]["min_reach"] for p in parts if p["summary"].get("min_reach") is not None]
    summary["min_reach"] = max(minimums, default=None)


def _add(summary: dict[str, Any], findings: dict[str, dict[str, Any]], part: dict[str, Any]) -> None:
    other = part["summary"]
    summary["operations"] = sorted(set(summary["operations"]) | set(other["operations"]))
    summary["cases"] += other["cases"]
    summary["duration_s"] = max(summary["duration_s"], other["duration_s"])
    summary["started"] = min(summary["started"], other["started"])
    summary["interrupted"] = summary.get("interrupted", False) or other.get("interrupted", False)
    tests, more = summary.setdefault("tests", {"done": 0, "total": 0}), other.get("tests") or {}
    tests["done"] = tests.get("done", 0) + more.get("done", 0)
    tests["total"] = tests.get("total", 0) + more.get("total", 0)
    for check, entry in other["checks"].items():
        mine = summary["checks"].setdefault(check, {"passed": 0, "failed": 0})
        mine["passed"] += entry["passed"]
        mine["failed"] += entry["failed"]
        if "skipped" in mine and (entry["passed"] or entry["failed"] or "skipped" not in entry):
            del mine["skipped"]
        if mine["passed"] or mine["failed"]:  # judged by another shard
            mine.pop("not_judged", None)
    for finding in part["findings"]:
        known = findings.get(finding["fingerprint"])
        findings[finding["fingerprint"]] = finding if known is None else absorb(known, finding)
    summary.setdefault("errors", []).extend(other.get("errors", []))
    summary.setdefault("notes", {}).update(other.get("notes", {}))


# XML 1.0 has no way to write these (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF), and
# discourages DEL and the C1 controls: a target's text carrying any of them would make junit.xml no XML at all.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HEADER = ["target", "spec", "profile", "seed", "writes_allowed", "tls_verified", "operations_tested", "cases"]
_HEADER += ["findings", "complete"]  # the run's junit header (reporting/plugin._junit_header), in its order


def _xml(value: Any) -> str:
    """`value` as text XML 1.0 can hold: each character it cannot, `?`."""
    return _NOT_XML.sub("?", str(value))


def _properties(suite: ElementTree.Element, summary: dict[str, Any], verdict: Verdict) -> None:
    """The verdict first, then the run's header and why any check was skipped (reporting/plugin._junit_header)."""
    properties = ElementTree.SubElement(suite, "properties")
    pairs = [("verdict", verdict.headline), ("outcome", verdict.outcome), ("exit_code", verdict.exit_code)]
    pairs += [(name, summary.get(name)) for name in _HEADER]
    pairs += [(f"skipped:{check}", e["skipped"]) for check, e in summary["checks"].items() if e.get("skipped")]
    for name, value in pairs:
        ElementTree.SubElement(properties, "property", name=_xml(name), value=_xml(value))


def junit(results: dict[str, Any]) -> str:
    """One testcase per operation (failing with its findings) and one for the verdict, failing unless it passed;
    the verdict, its exit code and the run's header as properties, as the run's own junit.xml has them."""
    summary, verdict = results["summary"], Verdict.of(results)
    by_operation: dict[str, list[dict[str, Any]]] = {op: [] for op in summary["operations"]}
    for finding in results["findings"]:
        by_operation.setdefault(finding["operation"], []).append(finding)
    failing = [op for op, findings in by_operation.items() if findings]
    passed, error = verdict.outcome == "passed", verdict.outcome == "error"
    suite = ElementTree.Element(
        "testsuite",
        name="voipbin-conformance",
        tests=str(len(by_operation) + 1),
        failures=str(len(failing) + (not passed and not error)),
        errors=str(int(error)),
    )
    _properties(suite, summary, verdict)
    case = ElementTree.SubElement(suite, "testcase", classname="conformance", name="verdict")
    if not passed:
        failure = ElementTree.SubElement(case, "error" if error else "failure", message=_xml(verdict.headline))
        failure.text = _xml("\n".join(verdict.reasons))
    for operation, findings in sorted(by_operation.items()):
        case = ElementTree.SubElement(suite, "testcase", classname="conformance", name=_xml(operation))
        if findings:
            failure = ElementTree.SubElement(case, "failure", message=f"{len(findings)} finding(s)")
            failure.text = _xml("\n".join(f"[{f['check']}] {f['message']}\n    repro: {f['repro']}" for f in findings))
    return ElementTree.tostring(suite, encoding="unicode")


def write(results: dict[str, Any], report_dir: str, redactor: Redactor | None = None) -> Path:
    """The merged reports, through the single exit (`redactor`: by default the credentials of the environment)."""
    out = Out(redactor)
    shown = out.data(results)
    text = json_text(shown, "the merged results.json")  # before anything is written: no file rather than a bad one
    wrong = results_file.problem(shown)
    if wrong is not None:  # e.g. counts that add up past what a results file may hold
        raise SetupError(f"the merged results.json would not be a results file: {wrong}", "merge fewer shards")
    directory = Path(report_dir)
    ensure_report_dir(str(directory))
    with _stop.shielded():  # a signal now is noted: the reports are written whole, then again as interrupted
        _write(out, directory, text, shown)
    return directory


def _write(out: Out, directory: Path, text: str, shown: dict[str, Any]) -> None:
    out.file(directory / "results.json", text + "\n")
    out.file(directory / "junit.xml", '<?xml version="1.0" encoding="utf-8"?>\n' + junit(shown))
    out.file(directory / "report.html", render_results(shown))
    ci_summary.write(shown, str(directory), sys.stdout, out.redactor)  # the merge publishes the run's summary
