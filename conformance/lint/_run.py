"""A lint: the spec's files read with their lines, every rule of the profile run, each defect once where it is."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import SetupError
from conformance.lint import rules as _rules  # noqa: F401  (registers the rules)
from conformance.lint._registry import METHODS, RULES, SEVERITIES, Hit, Op, Rule
from conformance.lint._source import Tree, View, escape
from conformance.openapi import Shape, load_spec
from conformance.profiles import Profile


@dataclass
class Lint:
    """What a lint found: findings shaped as a run's (check = rule id), and per rule how many things it judged."""

    spec: str
    profile: Profile
    root: Path
    operations: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    tallies: dict[str, list[int]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    duration_s: float = 0.0


def lint(spec: str, profile: Profile) -> Lint:
    """Lint `spec` (a file, or a folder holding openapi.yaml) against `profile`."""
    started = time.time()
    root = _root(spec)
    bundled = load_spec(str(root))  # refuses what `run` refuses (cycles, refs outside the folder, not OpenAPI)
    bundled.follow(profile.page_params, profile.result_field)
    tree = Tree(root)
    ops = _operations(tree, bundled.shape, profile)
    result = Lint(spec, profile, root, [op.label for op in ops], started=started)
    found: dict[str, dict[str, Any]] = {}
    for rule in RULES.values():
        if not rule.part_of(profile):
            continue
        judged, hits = _apply(rule, tree.view(), ops)
        failed: set[str] = set()
        for hit, label in hits:
            finding = _finding(rule, hit, label)
            found.setdefault(finding["fingerprint"], finding)
            failed.add(finding["operation"])
        result.tallies[rule.id] = [max(judged - len(failed), 0), len(failed)]
    result.findings = sorted(found.values(), key=_order)
    result.duration_s = round(time.time() - started, 3)
    return result


def _order(finding: dict[str, Any]) -> tuple[int, str, str, int]:
    """Most severe first, then by rule, file and line."""
    rule = RULES[finding["check"]]
    return SEVERITIES.index(rule.severity), rule.id, finding["location"]["file"], finding["location"]["line"]


def _root(spec: str) -> Path:
    if "://" in spec:
        raise SetupError(f"lint reads a spec from files, not {spec}", "download the spec and pass its path to --spec")
    path = Path(spec)
    if path.is_dir():
        path = next((path / n for n in ("openapi.yaml", "openapi.yml", "openapi.json") if (path / n).is_file()), path)
    if not path.is_file():
        raise SetupError(f"spec not found: {spec}", "pass --spec a path to an OpenAPI YAML/JSON file")
    return path


def _operations(tree: Tree, shape: Shape, profile: Profile) -> list[Op]:
    lists = {op.label for op in shape.operations if shape.is_list(op)}
    ops = []
    paths = tree.view().get("paths")
    for path, item in paths.items() if paths is not None else ():
        for method in METHODS:
            view = item.get(method)
            if view is not None and isinstance(view.value, dict):
                label = f"{method.upper()} {path}"
                ops.append(Op(label, method.upper(), path, view, item, label in lists, profile))
    return ops


def _apply(rule: Rule, root: View, ops: list[Op]) -> tuple[int, list[tuple[Hit, str]]]:
    """How many things the rule judged (operations), and its hits with the operation each was found on."""
    if rule.scope == "spec":
        hits = list(rule.fn(root, ops))
        return len(ops), [(hit, hit.operation or "") for hit in hits]
    return len(ops), [(hit, hit.operation or op.label) for op in ops for hit in rule.fn(op)]


def _finding(rule: Rule, hit: Hit, label: str) -> dict[str, Any]:
    """A hit as a finding: at the component it is in (once, whatever uses it), else at its operation."""
    at = hit.at
    operation = at.component or label or f"#{at.pointer}"
    where = f"{at.file}#{at.pointer}"
    line = at.line
    digest = hashlib.sha256(f"lint|{rule.id}|{operation}|{hit.key}|{where}".encode()).hexdigest()[:16]
    shared = at.component is not None and label != operation
    message = f"{rule.problem}: {hit.key}, at {at.component} (shared)" if shared else hit.message
    return {
        "check": rule.id,
        "operation": operation,
        "message": message,
        "status": None,
        "repro": f"{at.file}:{line}",
        "fingerprint": digest,
        "key": hit.key,
        "location": {"file": at.file, "line": line, "pointer": at.pointer or "/"},
    }


__all__ = ["Lint", "escape", "lint"]
