"""Generated cases for one operation: `--max-examples` random draws, then deterministic boundary cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.client.bounded import RunBudgetSpent
from conformance.client.client import EngineClient, TargetGone
from conformance.engine.runtime import Runtime
from conformance.openapi import Operation, resolve

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

MAX_BOUNDARY_CASES = 200  # per operation: the coverage phase of a wide schema can list thousands
# Under a budget an operation is tried in two passes, every operation's first before any second: the first sends
# one draw (hypothesis's simplest case) and the first boundary cases, the second the other draws and boundaries.
FIRST_PASS_EXAMPLES = 1
FIRST_PASS_BOUNDARIES = 8


@dataclass(frozen=True)
class Pass:
    """Which of an operation's generated cases a test sends: all of them, or one pass of a budgeted run."""

    name: str  # "all" | "breadth" | "depth"

    def examples(self, max_examples: int) -> int:
        if self.name == "breadth":
            return min(FIRST_PASS_EXAMPLES, max_examples)
        if self.name == "depth":  # its first draw is breadth's again (hypothesis starts from the simplest case,
            # whatever the seed), which is not sent twice: one more draw, for as many cases as one whole pass
            return max_examples if max_examples > FIRST_PASS_EXAMPLES else 0
        return max_examples

    def boundaries(self) -> range:
        if self.name == "breadth":
            return range(FIRST_PASS_BOUNDARIES)
        if self.name == "depth":
            return range(FIRST_PASS_BOUNDARIES, MAX_BOUNDARY_CASES)
        return range(MAX_BOUNDARY_CASES)

    @property
    def probes(self) -> bool:
        return self.name != "depth"


ALL, BREADTH, DEPTH = Pass("all"), Pass("breadth"), Pass("depth")


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


def generate(
    runtime: Runtime, client: EngineClient, st_operation: Any, operation: Operation, phase: Pass = ALL
) -> None:
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    modes = [GenerationMode.POSITIVE]
    if negatable(runtime, operation):
        modes.append(GenerationMode.NEGATIVE)
    strategies = []
    for mode in modes:
        try:
            strategies.append(st_operation.as_strategy(generation_mode=mode))
        except Exception as exc:  # nothing to negate, or a schema hypothesis cannot draw from
            client.recorder.notes.append(f"no {mode.value} cases: {type(exc).__name__}")
    examples = phase.examples(runtime.config.max_examples)
    if strategies and examples and phase is BREADTH and _send_simplest(runtime, client, operation):
        pass  # the breadth pass's one draw, without an engine run of its own
    elif strategies and examples:
        # `--max-examples` draws in all, valid and invalid alike, as `schemathesis run` counts them.
        strategy = with_known_ids(st.one_of(strategies), runtime.examples.ids.for_cases(client, operation))
        seed = runtime.seed_for(f"generated:{operation.label}" + ("" if phase is ALL else f":{phase.name}"))
        _drive(client, strategy, seed, examples)
    _boundaries(client, st_operation, operation, modes, phase.boundaries())


def _send_simplest(runtime: Runtime, client: EngineClient, operation: Operation) -> bool:
    """Send what a one-draw engine run would: hypothesis's first draw is the simplest case whatever the seed, which
    the example already drew, with the first known id of each path value (`with_known_ids` at its simplest). The
    depth pass's own first draw is then this request again, and is not sent twice."""
    case = runtime.examples.take_simplest(operation, client)
    if case is None:
        return False
    known = runtime.examples.ids.for_cases(client, operation)
    case.path_parameters = {**(case.path_parameters or {}), **{name: ids[0] for name, ids in known.items()}}
    client.send_case(case, purpose=f"{case.meta.generation.mode.value} generated case", drawn=True)
    return True


KNOWN_ID_SHARE = 4  # of every 5 valid draws take existing ids for their path, the fifth keeps schemathesis's own


def with_known_ids(strategy: Any, known: dict[str, list[str]]) -> Any:
    """Cases whose path values are, for most valid draws, ids of existing resources (a random id only reaches
    the 404). Invalid draws are left alone: their path may be what is invalid."""
    from hypothesis import strategies as st

    if not known:
        return strategy
    picks = st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in known.items()})

    def apply(drawn: tuple[Any, int, dict[str, str]]) -> Any:
        case, share, pick = drawn
        if share < KNOWN_ID_SHARE and _positive(case):
            case.path_parameters = {**(case.path_parameters or {}), **pick}
        return case

    return st.tuples(strategy, st.integers(0, KNOWN_ID_SHARE), picks).map(apply)


def _positive(case: Any) -> bool:
    from schemathesis import GenerationMode

    return bool(case.meta.generation.mode == GenerationMode.POSITIVE)


def _drive(client: EngineClient, strategy: Any, seed: int, examples: int) -> None:
    """Let hypothesis draw `max_examples` cases and send each; findings are recorded, never raised, so one
    operation reports every distinct violation instead of stopping at the first."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import HypothesisException
    from schemathesis.core.errors import SchemathesisError

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        client.send_case(case, purpose=f"{case.meta.generation.mode.value} generated case", drawn=True)

    try:
        send()
    except (HypothesisException, SchemathesisError) as exc:
        client.recorder.notes.append(f"generated cases stopped: {type(exc).__name__}: {str(exc)[:120]}")


def _boundaries(client: EngineClient, st_operation: Any, operation: Operation, modes: list[Any], wanted: range) -> None:
    """schemathesis's coverage phase: deterministic boundary cases (min/max length and value, enum members,
    missing required fields, wrong types) that random draws rarely hit, e.g. a 255-character name."""
    schema = st_operation.schema
    try:
        cases = schema.iter_coverage_cases(
            st_operation,
            generation_modes=modes,
            generation_config=schema.config.generation_for(operation=st_operation),
        )
        seen: set[tuple[Any, ...]] = set()
        listed = 0  # the boundary cases so far, sent or not: `wanted` picks this pass's slice of them
        for case in cases:
            key = boundary_key(case)
            if case.method.upper() != operation.method or key is None or key in seen:
                continue  # "Unspecified method" probes are another operation's business (and a write in disguise)
            if key != _DISTINCT:
                seen.add(key)
            if listed in wanted:
                client.send_case(case, purpose=f"{case.meta.generation.mode.value} boundary case")
            listed += 1
            if listed >= wanted.stop:
                break
    except (RunBudgetSpent, TargetGone):  # the run's own stops: the test ends cut, never as if it had sent all
        raise
    except Exception as exc:  # a schema the coverage phase cannot walk: the random cases stand
        client.recorder.notes.append(f"boundary cases stopped: {type(exc).__name__}: {str(exc)[:120]}")


def boundary_key(case: Any) -> tuple[Any, ...] | None:
    """What a boundary case tests, or None for one this suite leaves to another check.

    The coverage phase lists every wrong JSON type for a field (0, false, null, "AAA", [], {}). The live server
    is Go: encoding/json rejects each non-null wrong type with the same error, while null "has no effect" on a
    non-pointer field (it is accepted). So two wrong types per field tell everything: null and one other.
    Content-Type probes are content_type_enforced's, which sends them only where a body is sent at all."""
    from schemathesis.generation.meta import CoverageScenario

    data = case.meta.phase.data
    scenario = getattr(data, "scenario", None)
    if scenario in (CoverageScenario.MALFORMED_CONTENT_TYPE, CoverageScenario.UNSUPPORTED_CONTENT_TYPE):
        return None
    if scenario != CoverageScenario.INCORRECT_TYPE:
        return _DISTINCT  # every other boundary is a case of its own: each enum member, each length limit
    is_null = data.parameter_location.value == "body" and _body_value(case.body, data.location) is None
    return (data.parameter_location, data.parameter, data.location, is_null)


def _body_value(body: Any, pointer: str) -> Any:
    """The value a schema pointer like /properties/actions/items/properties/id/type addresses in a body."""
    parts = pointer.strip("/").split("/")[:-1]  # the last segment is the keyword, "type"
    value, index = body, 0
    while index < len(parts):
        if parts[index] == "properties" and isinstance(value, dict) and index + 1 < len(parts):
            value, index = value.get(parts[index + 1], _ABSENT), index + 2
        elif parts[index] == "items" and isinstance(value, list) and value:
            value, index = value[0], index + 1
        else:
            return _ABSENT
    return value


_ABSENT = object()
_DISTINCT: tuple[Any, ...] = ()
