"""Joining the results of shards (`--shard I/N` jobs) into one results.json, junit.xml and report.html."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from conformance.config import ensure_report_dir
from conformance.errors import SetupError
from conformance.reporting.static_html import render_results


def merge(parts: list[dict[str, Any]], *, force: bool = False) -> dict[str, Any]:
    if not parts:
        raise SetupError("merge needs at least one results file")
    first = parts[0]["summary"]
    for part in parts[1:]:
        for key in ("spec", "profile", "target", "seed"):
            if part["summary"].get(key) != first.get(key) and not force:
                raise SetupError(
                    f"the shards differ in {key} ({first.get(key)} vs {part['summary'].get(key)})",
                    "merge shards of one run, or pass --force",
                )
    merged = copy.deepcopy(parts[0])
    summary = merged["summary"]
    findings = {f["fingerprint"]: f for f in merged["findings"]}
    operations = set(summary["operations"])
    for part in parts[1:]:
        other = part["summary"]
        operations |= set(other["operations"])
        summary["cases"] += other["cases"]
        summary["duration_s"] = max(summary["duration_s"], other["duration_s"])
        summary["started"] = min(summary["started"], other["started"])
        summary["interrupted"] = summary.get("interrupted", False) or other.get("interrupted", False)
        for check, entry in other["checks"].items():
            mine = summary["checks"].setdefault(check, {"passed": 0, "failed": 0})
            mine["passed"] += entry["passed"]
            mine["failed"] += entry["failed"]
            if "skipped" in mine and (entry["passed"] or entry["failed"] or "skipped" not in entry):
                del mine["skipped"]
        for finding in part["findings"]:
            known = findings.get(finding["fingerprint"])
            if known is None:
                findings[finding["fingerprint"]] = finding
            else:
                known["occurrences"] = known.get("occurrences", 1) + finding.get("occurrences", 1)
        summary.setdefault("errors", []).extend(other.get("errors", []))
        summary.setdefault("notes", {}).update(other.get("notes", {}))
    summary["operations"] = sorted(operations)
    summary["operations_tested"] = len(operations)
    summary["shards"] = len(parts)
    merged["findings"] = sorted(findings.values(), key=lambda f: (f["check"], f["operation"], f["fingerprint"]))
    summary["findings"] = len(merged["findings"])
    return merged


def junit(results: dict[str, Any]) -> str:
    by_operation: dict[str, list[dict[str, Any]]] = {op: [] for op in results["summary"]["operations"]}
    for finding in results["findings"]:
        by_operation.setdefault(finding["operation"], []).append(finding)
    suite = ElementTree.Element(
        "testsuite",
        name="voipbin-conformance",
        tests=str(len(by_operation)),
        failures=str(sum(1 for f in by_operation.values() if f)),
    )
    for operation, findings in sorted(by_operation.items()):
        case = ElementTree.SubElement(suite, "testcase", classname="conformance", name=operation)
        if findings:
            failure = ElementTree.SubElement(case, "failure", message=f"{len(findings)} finding(s)")
            failure.text = "\n".join(f"[{f['check']}] {f['message']}\n    repro: {f['repro']}" for f in findings)
    return ElementTree.tostring(suite, encoding="unicode")


def write(results: dict[str, Any], report_dir: str) -> Path:
    directory = Path(report_dir)
    ensure_report_dir(str(directory))
    (directory / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (directory / "junit.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n' + junit(results), encoding="utf-8")
    (directory / "report.html").write_text(render_results(results), encoding="utf-8")
    return directory
