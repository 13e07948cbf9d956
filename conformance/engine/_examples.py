"""One valid request per operation, generated once (deterministically) and shared by probes and stateful checks.

Its path values are ids of existing resources where a list yields them (`_ids.KnownIds`), else random ones."""

from __future__ import annotations

import random
import uuid
from typing import Any

from conformance.checks import Client, Request
from conformance.engine._ids import KnownIds, RunFacts
from conformance.openapi import Operation, fill_path, resolve


def unset(value: Any) -> bool:
    """schemathesis marks an absent body with a NotSet sentinel."""
    return value is None or type(value).__name__ == "NotSet"


class Examples:
    """One valid request per operation, generated once (deterministically) and shared by the probes."""

    def __init__(self, runtime: RunFacts) -> None:
        self.runtime = runtime
        self.ids = KnownIds(runtime)
        self._cache: dict[str, tuple[Request, dict[str, str]] | None] = {}
        self._cases: dict[str, Any] = {}  # the schemathesis case behind each example, as drawn

    def get(self, operation: Operation, client: Client) -> tuple[Request, dict[str, str]] | None:
        """The example of `operation`; `client` asks the lists for ids the first time (once per run)."""
        if operation.label not in self._cache:
            self._cache[operation.label] = self._make(operation, client)
        return self._cache[operation.label]

    def take_simplest(self, operation: Operation, client: Client) -> Any:
        """The example's schemathesis case, once (the caller may change it): hypothesis's simplest case of the
        operation, which every engine run draws first whatever its seed. None where there is none."""
        self.get(operation, client)
        return self._cases.pop(operation.label, None)

    def _make(self, operation: Operation, client: Client) -> tuple[Request, dict[str, str]] | None:
        rng = random.Random(self.runtime.seed_for("example:" + operation.label))
        known = self.ids.for_operation(client, operation)
        path_values: dict[str, str] = {}
        for param in operation.parameters(self.runtime.spec.document):
            if param.get("in") == "path":
                ids = known.get(param["name"])
                path_values[param["name"]] = ids[0] if ids else _path_value(self.runtime, param, rng)
        st_operation = self.runtime.schemathesis_operations.get(operation.label)
        params: dict[str, Any] = {}
        body: Any = None
        has_body = operation.has_body(self.runtime.spec.document)
        if st_operation is not None:
            case = self._cases[operation.label] = _find_case(st_operation)
            if case is not None:
                params = dict(case.query or {})
                if not unset(case.body):
                    body = case.body
        if has_body and body is None:
            body = {}
        params |= self._offered(operation, params)
        return Request(fill_path(operation.path, path_values), params, body, has_body), path_values

    def _offered(self, operation: Operation, params: dict[str, Any]) -> dict[str, str]:
        """A query value the spec itself offers (its example, default or first enum member) where the drawn one is
        empty: Go reads an empty value as none, so a required parameter drawn empty made every probe a 400
        (GET /conferences/{id}/media_stream?encapsulation=, whose spec gives the example mediasocket)."""
        offered = {}
        for param in operation.parameters(self.runtime.spec.document):
            name = str(param.get("name"))
            if param.get("in") != "query" or params.get(name) not in ("", None):
                continue
            schema = resolve(self.runtime.spec.document, param.get("schema")) or {}
            value = next((v for v in (param.get("example"), schema.get("example"), schema.get("default"),
                                      (schema.get("enum") or [None])[0]) if v not in ("", None)), None)  # fmt: skip
            if value is None and param.get("required"):  # none offered: the plainest value of its type
                value = _plain(schema)
            if value is not None and (param.get("required") or name in params):
                offered[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return offered


def _plain(schema: dict[str, Any]) -> Any:
    """A required query value of a plain schema the spec offers none for (GET /aimessages?aicall_id=, GET
    /available_numbers?country_code=): empty, it read as absent and the probes met a 400 before any auth rule.
    Where the schema constrains it (a pattern, a length, another format) the draw knows better than a guess."""
    constrained = schema.get("pattern") or schema.get("minLength", 0) > 1 or schema.get("format") not in (None, "uuid")
    if constrained:
        return None
    if schema.get("format") == "uuid":
        return str(uuid.UUID(int=1))
    return {"integer": 1, "number": 1, "boolean": True, "string": "x"}.get(schema.get("type", "string"))


def _path_value(runtime: RunFacts, param: dict[str, Any], rng: random.Random) -> str:
    schema = resolve(runtime.spec.document, param.get("schema")) or {}
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("type") in ("integer", "number"):
        return str(max(int(schema.get("minimum", 1)), 1))
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _find_case(st_operation: Any) -> Any:
    """The simplest valid case, as `hypothesis.find` would shrink to: drawn directly where hypothesis lets us (every
    choice its simplest, no engine run: a quarter of find's time, the same case on all 676 operations of both
    sources), by find where that draw is rejected or this hypothesis has no such internals."""
    strategy = st_operation.as_strategy()
    case = _simplest(strategy)
    return case if case is not None else _found(strategy)


def _simplest(strategy: Any) -> Any:
    try:
        from hypothesis.control import BuildContext
        from hypothesis.internal.conjecture.choice import ChoiceTemplate
        from hypothesis.internal.conjecture.data import ConjectureData

        data = ConjectureData.for_choices((ChoiceTemplate("simplest", count=None),))
        with BuildContext(data, is_final=True, wrapped_test=_simplest):
            return data.draw(strategy)
    except BaseException as exc:  # StopTest (a filter rejected it), an internal API this hypothesis lacks
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return None


def _found(strategy: Any) -> Any:
    from hypothesis import HealthCheck, Phase, find, settings

    try:
        return find(
            strategy,
            lambda _: True,
            settings=settings(
                database=None,
                derandomize=True,
                max_examples=50,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception:  # an unsatisfiable schema: the probes fall back to an empty body
        return None
