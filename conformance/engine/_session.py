"""What one conformance test does: generate and send cases, run the probes, or run one stateful check."""

from __future__ import annotations

from typing import Any

from conformance.checks import CHECKS, Request, of_kind
from conformance.engine._client import EngineClient, Recorder
from conformance.engine.runtime import Runtime
from conformance.spec import Operation, resolve


class ConformanceFailure(AssertionError):
    """The test found violations; its report shows them (never a traceback)."""


_CONSTRAINTS = (
    "format",
    "pattern",
    "enum",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "const",
    "multipleOf",
)


def negatable(runtime: Runtime, operation: Operation) -> bool:
    """Whether schemathesis can build a request that breaks this operation's schema. A plain string in a path
    or query cannot be broken (URLs carry only strings): asking hypothesis for one burns ~100 rejected draws."""
    document = runtime.spec.document
    if operation.has_body(document):
        return True
    for param in operation.parameters(document):
        if param.get("in") not in ("path", "query", "header"):
            continue
        schema = resolve(document, param.get("schema")) or {}
        if param.get("required") and param.get("in") != "path":
            return True
        if schema.get("type") not in (None, "string") or any(key in schema for key in _CONSTRAINTS):
            return True
    return False


def _generate(runtime: Runtime, client: EngineClient, st_operation: Any, operation: Operation) -> None:
    from schemathesis import GenerationMode

    label = operation.label
    modes = [GenerationMode.POSITIVE]
    if negatable(runtime, operation):
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:
        try:
            strategy = st_operation.as_strategy(generation_mode=mode)
        except Exception as exc:  # nothing to negate, or a schema hypothesis cannot draw from
            client.recorder.notes.append(f"no {mode.value} cases: {type(exc).__name__}")
            continue
        _drive(runtime, client, strategy, f"{mode.value} generated case", runtime.seed_for(f"{mode.value}:{label}"))
    _boundaries(client, st_operation, operation, modes)


def _content_type_probe(case: Any) -> bool:
    description = str(getattr(getattr(case.meta, "phase", None) and case.meta.phase.data, "description", "") or "")
    return "Content-Type" in description


MAX_BOUNDARY_CASES = 200  # per operation: the coverage phase of a wide schema can list thousands


def _boundaries(client: EngineClient, st_operation: Any, operation: Operation, modes: list[Any]) -> None:
    """schemathesis's coverage phase: deterministic boundary cases (min/max length and value, enum members,
    missing required fields, wrong types) that random draws rarely hit, e.g. a 255-character name."""
    schema = st_operation.schema
    try:
        cases = schema.iter_coverage_cases(
            st_operation,
            generation_modes=modes,
            generation_config=schema.config.generation_for(operation=st_operation),
        )
        sent = 0
        for case in cases:
            if case.method.upper() != operation.method or _content_type_probe(case):
                # "Unspecified method" probes are another operation's business (and a write in disguise);
                # Content-Type probes are content_type_enforced's, where a body is sent at all.
                continue
            client.send_case(case, purpose=f"{case.meta.generation.mode.value} boundary case")
            sent += 1
            if sent >= MAX_BOUNDARY_CASES:
                break
    except Exception as exc:  # a schema the coverage phase cannot walk: the random cases stand
        client.recorder.notes.append(f"boundary cases stopped: {type(exc).__name__}: {str(exc)[:120]}")


def _drive(runtime: Runtime, client: EngineClient, strategy: Any, purpose: str, seed: int) -> None:
    """Let hypothesis draw `max_examples` cases and send each; findings are recorded, never raised, so one
    operation reports every distinct violation instead of stopping at the first."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import HypothesisException
    from schemathesis.core.errors import SchemathesisError

    @hypothesis_seed(seed)
    @settings(
        max_examples=runtime.config.max_examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        client.send_case(case, purpose=purpose)

    try:
        send()
    except (HypothesisException, SchemathesisError) as exc:
        client.recorder.notes.append(f"{purpose}s stopped: {type(exc).__name__}: {str(exc)[:120]}")


def run_operation(runtime: Runtime, operation: Operation, recorder: Recorder) -> None:
    client = EngineClient(runtime, recorder)
    try:
        _run_operation(runtime, client, operation)
    finally:
        client.clean_up()  # generated creates included, also when interrupted


def _run_operation(runtime: Runtime, client: EngineClient, operation: Operation) -> None:
    recorder = client.recorder
    st_operation = runtime.schemathesis_operations.get(operation.label)
    writable = operation.method in ("GET", "HEAD", "OPTIONS") or runtime.config.writes_allowed
    if st_operation is None:
        recorder.notes.append("schemathesis could not load this operation: probes only")
    elif not writable:
        recorder.notes.append("generated cases skipped: a write to a --base-url target needs --allow-writes")
    else:
        _generate(runtime, client, st_operation, operation)
    if runtime.spec.shape.is_list(operation) and runtime.spec.shape.declares_bare_array(operation):
        recorder.notes.append(
            "spec conflict: documents a bare JSON array where the docs promise the list "
            "envelope; list_envelope is not applied here"
        )
    ctx = client.context(operation.label)
    ctx.example = client.example(operation) or Request(operation.path)
    for check in of_kind("probe"):
        if check.id not in runtime.enabled_checks or not check.judges(ctx):
            continue
        fails = check.run(ctx)
        recorder.tally(check.id, bool(fails))
        for fail in fails:
            client.record(check.id, operation.label, fail)


def run_stateful(runtime: Runtime, check_id: str, operation: Operation, recorder: Recorder) -> None:
    client = EngineClient(runtime, recorder)
    ctx = client.context(operation.label)
    ctx.example = client.example(operation)
    try:
        fails = CHECKS[check_id].run(ctx)
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
        lines.append(f"  [{finding['check']}] {finding['operation']}: {finding['message']}")
        if finding["repro"]:
            lines.append(f"      repro: {finding['repro']}")
    if len(findings) > _SHOWN:
        lines.append(f"  … and {len(findings) - _SHOWN} more (report.html's problems, results.json)")
    return "\n".join(lines)
