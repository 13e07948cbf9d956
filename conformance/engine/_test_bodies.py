"""What one conformance test does: generate and send cases, run the probes, or run one stateful check."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks import CHECKS, Check, Need, NotJudged, Request, Subject, of_kind
from conformance.client.client import EngineClient
from conformance.engine._generation import ALL, Pass, generate
from conformance.engine.runtime import Runtime
from conformance.errors import ConformanceError
from conformance.openapi import Operation
from conformance.results.finding import Recorder


class ConformanceFailure(ConformanceError, AssertionError):
    """The test found violations; its report shows them (never a traceback)."""


def run_operation(runtime: Runtime, operation: Operation, recorder: Recorder, phase: Pass = ALL) -> None:
    client = EngineClient(runtime, recorder)
    try:
        _run_operation(runtime, client, operation, phase)
    finally:
        client.clean_up()  # generated creates included, also when interrupted


def _run_operation(runtime: Runtime, client: EngineClient, operation: Operation, phase: Pass) -> None:
    recorder = client.recorder
    st_operation = runtime.schemathesis_operations.get(operation.label)
    writable = operation.method in ("GET", "HEAD", "OPTIONS") or runtime.config.writes_allowed
    if st_operation is None:
        recorder.notes.append("schemathesis could not load this operation: probes only")
    elif not writable:
        recorder.notes.append("generated cases skipped: a write to a --base-url target needs --allow-writes")
    else:
        generate(runtime, client, st_operation, operation, phase)
    if not phase.probes:
        return
    conflict = runtime.spec.shape.list_conflict(operation, runtime.profile.next_token_field)
    if runtime.spec.shape.is_list(operation) and conflict:
        recorder.notes.append(
            f"spec conflict: {conflict} where the docs promise the list envelope; list_envelope follows the spec "
            "here (response_schema judges the body)"
        )
    ctx = client.context(operation.label)
    ctx.example = client.example(operation) or Request(operation.path)
    for check in of_kind("probe"):
        if check.id not in runtime.enabled_checks or not check.judges(ctx):
            continue
        try:
            fails = check.run(ctx)
        except NotJudged as nothing:  # no answer to its request: server_error's to report, not a pass
            recorder.unjudged.append(f"{check.id} on {operation.label}: {nothing}")
            continue
        recorder.tally(check.id, bool(fails))
        for fail in fails:
            client.record(check.id, operation.label, fail)


@dataclass(frozen=True)
class StatefulCase:
    """One run of a stateful check: the check, and the operation it is about (its findings carry its label)."""

    check: Check
    operation: Operation
    name: str  # the test id: the list operation's label, or the collection's path

    def __str__(self) -> str:
        return f"{self.check.id} {self.name}"


def stateful_cases(runtime: Runtime) -> list[StatefulCase]:
    """Every stateful check the run applies, on everything its declared subject names: the registry decides."""
    cases: list[StatefulCase] = []
    for check in of_kind("stateful"):
        if check.id not in runtime.enabled_checks:
            continue
        if check.subject is Subject.LIST_OPERATION:
            cases += [StatefulCase(check, op, op.label) for op in runtime.list_operations]
            continue
        if check.subject is Subject.RUN:  # once per run, on a path outside the spec (an unknown route)
            path = runtime.profile.unknown_route["path"]
            cases.append(StatefulCase(check, Operation("GET", path, {}, {}), "once"))
            continue
        for collection in runtime.collections:
            if (
                check.subject is Subject.COLLECTION_CREATE
                and collection.create
                and runtime.spec.shape.creates_item(collection)
            ):
                cases.append(StatefulCase(check, collection.create, collection.path))
            elif (
                check.subject is Subject.COLLECTION_READ and collection.read and (collection.list or collection.create)
            ):
                # a resource to try comes from the list where nothing can be created: read-only collections too
                cases.append(StatefulCase(check, collection.read, collection.path))
    return cases


def unmet_need(runtime: Runtime, check: Check) -> Need | None:
    """The first thing `check` needs that this run does not have."""
    met = {Need.WRITES: runtime.config.writes_allowed, Need.OTHER_CUSTOMER: bool(runtime.credentials.other_token)}
    return next((need for need in check.needs if not met[need]), None)


def run_stateful(runtime: Runtime, check_id: str, operation: Operation, recorder: Recorder) -> None:
    client = EngineClient(runtime, recorder)
    ctx = client.context(operation)
    ctx.example = client.example(operation)
    try:
        fails = CHECKS[check_id].run(ctx)
    except NotJudged as nothing:  # neither a pass nor a finding: said among what the run did not judge
        recorder.unjudged.append(f"{check_id} on {operation.label}: {nothing}")
        return
    finally:
        client.clean_up()  # whatever happened, nothing this check created outlives it
    recorder.tally(check_id, bool(fails))
    for fail in fails:
        client.record(check_id, operation.label, fail)


_SHOWN = 5  # findings spelled out in a test's failure text; every one is in results.json


def summarize(recorder: Recorder) -> str:
    findings = list(recorder.findings.values())
    lines = [f"{len(findings)} finding(s):"]
    for finding in findings[:_SHOWN]:
        lines.append(f"  [{finding.check}] {finding.operation}: {finding.message}")
        if finding.repro:
            lines.append(f"      repro: {finding.repro}")
    if len(findings) > _SHOWN:
        lines.append(f"  … and {len(findings) - _SHOWN} more (report.html's problems, results.json)")
    return "\n".join(lines)
