"""The one place the checks touch schemathesis: its response-schema validation and its negative-case metadata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks._model import Exchange


def _response(exchange: Exchange) -> Any:
    import requests
    from schemathesis import Response

    prepared = requests.Request(exchange.method, exchange.url).prepare()
    headers = {name: [value] for name, value in exchange.response_headers.items()}
    return Response(
        status_code=exchange.status or 0,
        headers=headers,
        content=exchange.response_body,
        request=prepared,
        elapsed=exchange.elapsed,
        verify=True,
    )


def validate_response(operation: Any, exchange: Exchange) -> Iterator[tuple[str, str]]:
    """(stable key, message) for each way the body breaks the operation's documented response schema."""
    from schemathesis.core.failures import Failure, FailureGroup

    failures: list[Failure] = []
    try:
        operation.validate_response(_response(exchange))
    except FailureGroup as group:
        failures = list(group.exceptions)
    except Failure as single:
        failures = [single]
    for failure in failures:
        schema_path = getattr(failure, "schema_path", None)
        instance_path = getattr(failure, "instance_path", None)
        if schema_path is not None:
            where = "/".join(str(p) for p in instance_path or []) or "body"
            raw = getattr(failure, "_raw_message", "") or failure.title
            yield f"schema:{'/'.join(map(str, schema_path))}", f"{where}: {raw[:200]}"
        else:
            yield f"{type(failure).__name__}", f"{failure.title}: {(failure.message or '')[:200]}"


def negative_mutation(case: Any) -> str | None:
    """How a generated negative case breaks the schema ("violates `maxLength` at /properties/x"), else None."""
    if case is None or case.meta is None:
        return None
    from schemathesis import GenerationMode

    if case.meta.generation.mode != GenerationMode.NEGATIVE:
        return None
    data = getattr(case.meta.phase, "data", None)
    mutations = getattr(data, "mutations", ()) or ()
    if mutations and all(_ignorable(m) for m in mutations):
        return None
    description = getattr(data, "description", None)
    parameter = getattr(data, "parameter", None)
    location = getattr(data, "parameter_location", None)
    if _unknown_parameter(description, location):
        return None
    where = f" ({getattr(location, 'value', location)} {parameter})" if parameter else ""
    return f"{description or 'violates the schema'}{where}"


def _unknown_parameter(description: str | None, location: Any) -> bool:
    """The coverage phase's "unexpected properties" in the query, headers or cookies: an unknown parameter."""
    where = getattr(location, "value", location)
    return where in ("query", "header", "cookie", None) and "unexpected properties" in (description or "").lower()


def _ignorable(mutation: Any) -> bool:
    """An unknown query parameter, header or cookie: APIs ignore those, and the docs do not promise a 400."""
    location = getattr(getattr(mutation, "parameter_location", None), "value", None)
    keywords = getattr(mutation, "keywords", ()) or ()
    return location in ("query", "header", "cookie") and "additionalProperties" in keywords
