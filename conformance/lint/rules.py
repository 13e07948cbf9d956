"""The lint rules: each one convention of the profile, judged on the spec's text (registry: `_registry.rule`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from conformance.data import schemas_dir
from conformance.lint._registry import METHODS, Hit, Op, rule
from conformance.lint._source import View
from conformance.lint._walk import elements, fields, json_schema, members, properties, success
from conformance.profiles import Profile

_BARE = {"204", "205", "304"}  # statuses HTTP defines without a body


def _lint(profile: Profile) -> dict[str, Any]:
    return dict(profile.data.get("lint") or {})


def _public(op: Op) -> bool:
    """An operation the docs say takes no credentials, or one the spec marks so (`security: []`)."""
    security = op.view.get("security")
    if security is not None and security.value == []:
        return True
    return op.profile.unauthenticated_by_docs(op.path) is not None  # the docs' list, as the run reads it


# -- authentication ---------------------------------------------------------------------------------------------


@rule(
    "spec_security_declared",
    scope="spec",
    severity="high",
    problem="The spec declares no authentication",
    summary="components.securitySchemes names how requests authenticate, and security applies it",
    doc="restful_api 'Authentication': every request carries a token or an accesskey",
)
def security_declared(root: View, ops: list[Op]) -> Iterator[Hit]:
    schemes = members(root, "components").get("securitySchemes")
    if schemes is None or not schemes.value:
        yield Hit(
            "no securitySchemes anywhere: no tool reading the spec can know that every request authenticates "
            "(token or accesskey, as the profile's docs describe)",
            "no securitySchemes",
            root.at("components"),
        )
        return
    if root.get("security") is None:
        for op in ops:
            if op.view.get("security") is None and not _public(op):
                yield Hit(f"{op.label} applies no security requirement", "no security", op.view, op.label)


@rule(
    "spec_unauthenticated_documented",
    severity="high",
    problem="Operations that require credentials do not document 401",
    summary="every operation that requires credentials documents its 401 answer",
    doc="restful_api 'Common HTTP Status Codes': 401 Unauthorized, missing or invalid credentials",
)
def unauthenticated_documented(op: Op) -> Iterator[Hit]:
    status = op.profile.unauthenticated_status
    if op.responses() and not _public(op) and not op.declares(status):
        yield Hit(f"{op.label} requires credentials but documents no {status}", f"no {status}", op.view.at("responses"))


# -- responses --------------------------------------------------------------------------------------------------


@rule(
    "spec_operation_responses",
    severity="critical",
    problem="Operations declare no responses",
    summary="every operation declares its responses",
    doc="OpenAPI 3 'Operation Object': responses is REQUIRED; the docs' status codes are what it answers",
)
def operation_responses(op: Op) -> Iterator[Hit]:
    codes = op.statuses()
    if not codes:
        yield Hit(f"{op.label} declares no responses: a client cannot know what it answers", "no responses", op.view)
    elif not any(code[:1] in "123" or code == "DEFAULT" for code in codes):
        yield Hit(
            f"{op.label} declares only errors ({', '.join(sorted(codes))}): no answer says what success looks like",
            "no success response",
            op.view.at("responses"),
        )


@rule(
    "spec_response_content",
    severity="medium",
    problem="Success responses declare no content",
    summary="every success response declares its content (or is a bare status such as 204)",
    doc="restful_api 'Response Format': responses are JSON (Content-Type: application/json)",
)
def response_content(op: Op) -> Iterator[Hit]:
    for code, response in op.responses():
        content = response.get("content")
        if not code.startswith("2") or code in _BARE or (content is not None and content.value):
            continue  # `content: {}` declares no body either
        if _websocket(op):
            yield Hit(
                f"{op.label} is a WebSocket endpoint answering {code} with no content: a successful handshake is "
                "101 Switching Protocols",
                "websocket answers 2xx",
                response,
            )
        else:
            yield Hit(
                f"{op.label} answers {code} with no content declared: a client cannot know it is JSON, or what it "
                "holds (204 is the bare status)",
                "no content",
                response,
            )


def _websocket(op: Op) -> bool:
    """An operation its own description calls a WebSocket endpoint."""
    return "websocket" in str(op.view.value.get("description") or "").lower()


@rule(
    "spec_rate_limit_documented",
    severity="medium",
    problem="Operations do not document the statuses every request can get",
    summary="every operation documents the statuses the docs say any request can answer (429)",
    doc="common_overview-2026-08-22 'Rate Limiting': every request is rate limited, per client IP and per customer",
    in_profile=lambda profile: bool(_lint(profile).get("every_operation_statuses")),
)
def rate_limit_documented(op: Op) -> Iterator[Hit]:
    for status in _lint(op.profile).get("every_operation_statuses", []):
        if op.responses() and not op.declares(int(status)):
            yield Hit(f"{op.label} does not document {status}", f"no {status}", op.view.at("responses"))


# -- envelopes --------------------------------------------------------------------------------------------------


def _envelope(profile: Profile) -> dict[str, Any]:
    return _schema(profile.error_schema_file)


@cache
def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((schemas_dir() / name).read_text(encoding="utf-8")))


def _missing(expected: dict[str, Any], schema: View, prefix: str = "") -> list[tuple[str, View]]:
    """The fields `expected` (a JSON Schema) requires that `schema` does not declare, each with the schema that
    should declare it (nested objects followed: `error.request_id` is missing from the schema of `error`)."""
    declared = properties(schema)
    missing = []
    for name in expected.get("required", []):
        want = (expected.get("properties") or {}).get(name) or {}
        if name not in declared:
            missing.append((prefix + name, schema.resolved()))
        elif want.get("type") == "object":
            missing += _missing(want, declared[name], f"{prefix}{name}.")
    return missing


@rule(
    "spec_error_envelope",
    severity="high",
    problem="Error responses are not declared in the error envelope",
    summary="every 4xx/5xx response declares the profile's error envelope",
    doc="restful_api 'Error Response' / 'Error Response Envelope': every error answers in one envelope",
)
def error_envelope(op: Op) -> Iterator[Hit]:
    for code, response in op.responses():
        if code[:1] not in ("4", "5"):
            continue
        schema = json_schema(response)
        if schema is None:
            yield Hit(f"{op.label} answers {code} with no error body declared", "no error body", response)
            continue
        by_holder: dict[tuple[str, str], list[tuple[str, View]]] = {}
        for name, holder in _missing(_envelope(op.profile), schema):
            by_holder.setdefault((str(holder.path), holder.pointer), []).append((name, holder))
        for found in by_holder.values():
            names = ", ".join(name for name, _ in found)
            yield Hit(
                f"the error body of {op.label} {code} lacks {names} of the envelope", f"lacks {names}", found[0][1]
            )


@rule(
    "spec_list_envelope",
    severity="high",
    problem="Lists are not declared in the list envelope",
    summary="every list answers the list envelope: result (an array) and next_page_token",
    doc='restful_api \'List Response\': {"result": [...], "next_page_token": "..."}',
)
def list_envelope(op: Op) -> Iterator[Hit]:
    found = success(op)
    schema = json_schema(found[1]) if op.is_list and found else None
    if schema is None:
        return
    if isinstance(schema.value, dict) and schema.value.get("type") == "array":
        yield Hit(f"{op.label} declares a bare array, not the list envelope", "bare array", schema)
        return
    declared = properties(schema)
    for name in (op.profile.result_field, op.profile.next_token_field):
        if name not in declared:
            yield Hit(f"the list envelope of {op.label} lacks {name}", f"lacks {name}", _blamed(schema, declared))


def _blamed(schema: View, declared: dict[str, View]) -> View:
    """Where a list envelope is assembled from a shared component (allOf: [CommonPagination, {result}]), the
    component's fields are what is missing: blame it, once, rather than every list."""
    shared = [b for b in elements(schema, "allOf") if b.component and b.component != schema.component]
    return shared[0].at("properties") if len(shared) == 1 else schema


@rule(
    "spec_page_params",
    severity="high",
    problem="Lists do not declare the paging parameters",
    summary="every list operation takes page_size and page_token",
    doc="common_overview 'Pagination': lists take page_size and page_token, the next_page_token of the last page",
)
def page_params(op: Op) -> Iterator[Hit]:
    if not op.is_list:
        return
    names = {
        param.value.get("name")
        for holder in (op.item, op.view)  # path-level parameters count as the bundled shape counts them
        for param in elements(holder, "parameters")
        if isinstance(param.value, dict)
    }
    for name in (op.profile.page_size_param, op.profile.page_token_param):
        if name not in names:
            yield Hit(f"{op.label} is a list but takes no {name}", f"no {name}", op.view.at("parameters"))


# -- field formats ----------------------------------------------------------------------------------------------


def _format_defect(name: str, prop: View, profile: Profile) -> str | None:
    """What is wrong with how `prop` (a field named `name`) is declared, for the profile's ids and timestamps."""
    value = prop.value if isinstance(prop.value, dict) else {}
    kind, form = value.get("type"), value.get("format")
    if name in (profile.id_field, profile.owner_field):
        if kind not in (None, "string"):
            return f"is declared {kind}, not a UUID string"
        if form not in (None, "uuid"):
            return f"is declared format {form}, not uuid"
    elif name.startswith(profile.timestamp_prefix):
        if kind not in (None, "string"):
            return f"is declared {kind}, not a timestamp string"
        if form not in (None, "date-time"):
            return f"is declared format {form}, not a timestamp"
    return None


@rule(
    "spec_field_formats",
    scope="spec",
    severity="medium",
    problem="Ids or timestamps are declared in another format than the docs'",
    summary="id and customer_id are UUID strings, tm_* fields timestamp strings",
    doc="common_overview 'UUID Format' and 'Timestamp Format': ids are UUIDs, tm_* YYYY-MM-DD HH:MM:SS.micro",
)
def field_formats(root: View, ops: list[Op]) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for op in ops:
        for _, response in op.responses():
            for name, prop in fields(json_schema(response), seen):
                defect = _format_defect(name, prop, op.profile)
                if defect is not None:
                    yield Hit(f"field {name} {defect}", f"{name} {defect}", prop, op.label)


@rule(
    "spec_documented_statuses",
    severity="medium",
    problem="Operations do not document a status the docs say they answer",
    summary="an operation the docs name for a status (402 on chargeable creates, 409 on state changes) documents it",
    doc="restful_api_errors-2026-08-22: INSUFFICIENT_BALANCE (402), RECORDING_*/ACTIVEFLOW_ALREADY_STOPPED (409)",
    in_profile=lambda profile: bool(_lint(profile).get("operation_statuses")),
)
def documented_statuses(op: Op) -> Iterator[Hit]:
    for entry in _lint(op.profile).get("operation_statuses", []):
        status = int(entry["status"])
        if op.label in entry["operations"] and op.responses() and not op.declares(status):
            yield Hit(
                f"{op.label} does not document {status}, which the docs say it answers ({entry['source']})",
                f"no {status}",
                op.view.at("responses"),
            )


_ONCE = re.compile(
    r"\b(only (be )?(returned|shown|displayed) once|(returned|shown|displayed) only once|"
    r"only returned once|will not be (shown|returned) again|cannot be retrieved again)",
    re.IGNORECASE,
)


@rule(
    "spec_secret_returned_once",
    scope="spec",
    severity="medium",
    problem="A secret returned only once is declared as every read's field",
    summary="a secret its description says is returned once is not declared as a field the reads answer",
    doc="the field's own description ('Only returned once at creation time'); OpenAPI 3 'writeOnly'",
)
def secret_returned_once(root: View, ops: list[Op]) -> Iterator[Hit]:
    """A field the reads never return, declared in the schema they answer: a reader of the spec (or a generated
    client) expects it on every GET. Found once, at the field, from the first read that answers it."""
    seen: set[tuple[str, str]] = set()
    for op in (op for op in ops if op.method == "GET"):
        found = success(op)
        for name, prop in fields(json_schema(found[1]) if found else None, seen):
            value = prop.value if isinstance(prop.value, dict) else {}
            if _ONCE.search(str(value.get("description") or "")) and not value.get("writeOnly"):
                yield Hit(
                    f"field {name} is returned only once (its description says), yet {op.label} declares it among "
                    "what every read answers: mark it writeOnly, or give the create its own response schema",
                    f"{name} returned once",
                    prop,
                    op.label,
                )


@rule(
    "spec_id_param_format",
    severity="medium",
    problem="Id parameters leave open the format the docs fix",
    summary="a path or query parameter carrying a resource id (id, *_id) is declared a UUID",
    doc="common_overview 'UUID Format': all resource IDs follow the standard UUID format",
)
def id_param_format(op: Op) -> Iterator[Hit]:
    """A plain string lets an empty or non-UUID value through the spec that the server refuses (400): a
    generated case, or a client, cannot know which values are valid."""
    first = next((m for m in METHODS if isinstance(op.item.resolved().value.get(m), dict)), op.method.lower())
    for holder, label in ((op.item, f"{first.upper()} {op.path}"), (op.view, op.label)):
        for param in elements(holder, "parameters"):
            value = param.value if isinstance(param.value, dict) else {}
            name = str(value.get("name") or "")
            schema = param.get("schema")
            declared = schema.value if schema is not None and isinstance(schema.value, dict) else {}
            is_id = name == op.profile.id_field or name.endswith("_id")
            if not is_id or value.get("in") not in ("path", "query") or declared.get("type") not in (None, "string"):
                continue
            if declared.get("format") != "uuid" and not declared.get("pattern") and not declared.get("enum"):
                yield Hit(
                    f"{value.get('in')} parameter {name} of {op.label} is a plain string: any value, even empty, "
                    "passes the spec, though ids are UUIDs",
                    "id parameter not a UUID",
                    schema or param,
                    label,  # a path item's parameter: once, on its first operation
                )
