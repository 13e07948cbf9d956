"""The one place a lint rule is declared: its stable id, the doc statement it enforces, its severity.

A rule judges the spec, never a server: it reads the files (`_source.View`) and the profile, and yields a `Hit`
where the spec breaks the convention — at the node someone would edit. Ids start with `spec_` so that they never
meet a check id of `checks/` in a report, a baseline or a diff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from conformance.lint._source import View
from conformance.profiles import Profile

Scope = Literal["operation", "spec"]
SEVERITIES = ("critical", "high", "medium")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")  # an OpenAPI path item's


@dataclass(frozen=True)
class Hit:
    message: str
    key: str  # the kind of defect: the fingerprint and the problem are made of it, never of a value
    at: View  # the node to edit
    operation: str | None = None  # the operation it is reported on, where not the one judged


@dataclass(frozen=True)
class Rule:
    id: str
    scope: Scope  # "operation": once per operation; "spec": once per spec
    severity: str
    problem: str  # a problem's title, in plain words
    summary: str
    doc: str  # the doc statement it enforces
    fn: Callable[..., Iterable[Hit]]
    in_profile: Callable[[Profile], bool] | None = None

    def part_of(self, profile: Profile) -> bool:
        return self.in_profile is None or self.in_profile(profile)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    scope: Scope = "operation",
    severity: str,
    problem: str,
    summary: str,
    doc: str,
    in_profile: Callable[[Profile], bool] | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    if not rule_id.startswith("spec_") or rule_id in RULES or severity not in SEVERITIES:
        raise ValueError(f"bad lint rule {rule_id!r}")

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        RULES[rule_id] = Rule(rule_id, scope, severity, problem, summary, doc, fn, in_profile)
        return fn

    return register


def catalogue() -> dict[str, dict[str, Any]]:
    """The rules as results.json's catalogue lists checks."""
    return {r.id: {"summary": r.summary, "doc": r.doc, "schema": None, "severity": r.severity} for r in RULES.values()}


@dataclass(frozen=True)
class Op:
    """One operation as lint sees it: its label (`GET /calls`), its node, whether the VoIPBIN shape reads it as a
    list, and the profile it is judged against."""

    label: str
    method: str
    path: str
    view: View
    item: View  # the path item: its parameters apply to every operation under it
    is_list: bool
    profile: Profile

    def responses(self) -> list[tuple[str, View]]:
        found = self.view.get("responses")
        return list(found.items()) if found is not None else []

    def statuses(self) -> set[str]:
        return {code.upper() for code, _ in self.responses()}

    def declares(self, status: int) -> bool:
        codes = self.statuses()
        return str(status) in codes or f"{str(status)[0]}XX" in codes
