"""Checks on every response the run receives, whatever request produced it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks._input import held
from conformance.checks._kinds import envelope_kind, error_envelope_kind, schema_kind, words
from conformance.checks._media import (
    bare_as_documented,
    declares_non_json,
    empty_as_declared,
    media_key,
    media_kind,
)
from conformance.checks._model import EXCERPT, NOT_JSON, Context, Exchange, Fail, excerpt
from conformance.checks._registry import ProblemKind, check
from conformance.checks._schemathesis import Violation, keyword_phrase
from conformance.openapi import json_media


def _schema_fail(validator: Any, body: Any, schema_file: str, what: str) -> Fail | None:
    """The first way `body` breaks one of the profile's envelope schemas, keyed by where and which keyword."""
    error = next(iter(validator.iter_errors(body)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    keyword = str(error.validator)
    if keyword == "required" and isinstance(error.instance, dict):  # which field: the first one missing
        missing = [name for name in error.validator_value if name not in error.instance]
        keyword += f":{missing[0]}" if missing else ""
    return Fail(f"{what} breaks {schema_file} at {where}: {excerpt(error.message)}", f"schema:{where}:{keyword}")


def _answered(ctx: Context, exchange: Exchange) -> bool:
    return exchange.status is not None


def _has_content(ctx: Context, exchange: Exchange) -> bool:
    """1xx, 204 and 304 carry no content by definition (RFC 9110), and neither does an answer to HEAD."""
    status = exchange.status or 0
    return _answered(ctx, exchange) and status >= 200 and status not in (204, 304) and exchange.method != "HEAD"


def _error(ctx: Context, exchange: Exchange) -> bool:
    return exchange.status is not None and exchange.status >= 400 and not bare_as_documented(ctx, exchange)


def _success(ctx: Context, exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


def _list_success(ctx: Context, exchange: Exchange) -> bool:
    # Where the spec documents a bare array it contradicts the docs; the run notes that as a spec conflict.
    conflict = ctx.spec.shape.list_conflict(ctx.operation, ctx.profile.next_token_field)
    return _success(ctx, exchange) and ctx.is_list and conflict is None


def _asked_upgrade(exchange: Exchange) -> bool:
    return any(name.lower() == "upgrade" for name in exchange.request_headers)


def _validatable(ctx: Context, exchange: Exchange) -> bool:
    return _success(ctx, exchange) and ctx.schemathesis_operation is not None and exchange.json is not NOT_JSON


def _negative_case(ctx: Context, exchange: Exchange) -> bool:
    return exchange.status is not None and bool(held(ctx, exchange))


@check(
    "json_response",
    kind="response",
    severity="medium",
    problem="Responses are not JSON",
    summary="every response body is JSON and says application/json",
    doc="restful_api 'Response Format': All API responses return JSON",
    grouping=lambda key, status: (
        ProblemKind(key, words(key), caused_by=("json_response", None))
        if key == "body-not-json"
        else media_kind(key, status)
    ),
    applies=lambda ctx, ex: (
        _has_content(ctx, ex) and not declares_non_json(ctx, ex.status or 0) and not bare_as_documented(ctx, ex)
    ),
)
def json_response(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    if empty_as_declared(ctx, exchange):
        return
    if not json_media(exchange.media_type):
        shown = exchange.media_type or "no Content-Type"
        yield Fail(
            f"{exchange.status} response says {excerpt(shown)}, not application/json",
            f"content-type:{media_key(shown)}",
        )
    if exchange.json is NOT_JSON and exchange.json_problem is not None:
        yield Fail(f"{exchange.status} response body is {exchange.json_problem}", "body-too-deep")
    elif exchange.json is NOT_JSON:
        snippet = exchange.response_body[: EXCERPT * 4].decode("utf-8", "replace")
        yield Fail(f"{exchange.status} response body is not JSON: {snippet!r}", "body-not-json")


@check(
    "error_envelope",
    kind="response",
    severity="medium",
    problem="Errors are not in the documented envelope",
    summary="every 4xx/5xx body is the profile's error envelope",
    doc="restful_api 'Error Response (4xx, 5xx)'",
    schema="error-envelope-<profile>.schema.json",
    # where the docs say a status comes bare (the /auth handlers' 400), they say it is "not the JSON error envelope"
    applies=lambda ctx, ex: _error(ctx, ex) and not ctx.profile.bare_error(ctx.operation.path, ex.status),
    grouping=error_envelope_kind,
)
def error_envelope(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    status = exchange.status
    profile = ctx.profile
    body = exchange.json
    if empty_as_declared(ctx, exchange):
        return
    if body is NOT_JSON:
        yield Fail(
            f"{status} error body is not JSON, so not the error envelope ({profile.error_schema_file})", "not-json"
        )
        return
    broken = _schema_fail(profile.error_validator, body, profile.error_schema_file, f"{status} error body")
    if broken is not None:
        yield broken
        return
    status_map, field = profile.error_status_map, profile.error_status_field
    if status_map and field:
        canonical = body
        for part in field:
            canonical = canonical.get(part) if isinstance(canonical, dict) else None
        if isinstance(canonical, str) and status not in status_map.get(canonical, [status]):
            yield Fail(
                f"error status {canonical} belongs with HTTP {status_map[canonical]}, not {status}",
                f"status-map:{canonical}:{status}",
            )
    if (
        status == profile.rate_limit_status
        and profile.retry_after_required
        and "retry-after" not in exchange.response_headers
    ):
        yield Fail(f"{status} without a Retry-After header", "retry-after-missing")


@check(
    "list_envelope",
    kind="response",
    severity="medium",
    problem="Lists are not in the documented envelope",
    summary='list operations answer {"result": [...], "next_page_token": "..."}',
    doc="restful_api 'List Response'",
    schema="list-envelope.schema.json",
    applies=_list_success,
    grouping=envelope_kind,
)
def list_envelope(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    body = exchange.json
    if body is NOT_JSON:
        return  # json_response reports it
    broken = _schema_fail(ctx.profile.list_validator, body, ctx.profile.list_schema_file, "list body")
    if broken is not None:
        yield broken


@check(
    "status_code",
    kind="response",
    severity="medium",
    problem="Undocumented status codes",
    summary="only status codes the profile documents or the operation declares",
    doc="restful_api 'Common HTTP Status Codes'",
    applies=_answered,
)
def status_code(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    status = exchange.status
    if status not in ctx.profile.documented_statuses and status not in ctx.operation.declared_statuses():
        if status == 415 and _undeclared_media(ctx, exchange):
            return  # the request's media type is not the operation's: a 415 is HTTP's own answer (RFC 9110 15.5.16)
        yield Fail(
            f"status {status} is neither documented by {ctx.profile.id} nor declared for {ctx.operation.label}",
            f"status:{status}",
        )


def _undeclared_media(ctx: Context, exchange: Exchange) -> bool:
    """Whether the request to an operation that takes a body went out in a media type it does not declare (or with
    none: a required body left out). An operation that takes no body has no media type to refuse."""
    declared = ctx.operation.request_media_types(ctx.spec.document)
    return bool(declared) and exchange.request_media_type not in declared


REDIRECTS = frozenset({301, 302, 303, 307, 308})  # RFC 9110 15.4: each names its target in Location


@check(
    "http_semantics",
    kind="response",
    severity="medium",
    problem="Answers break HTTP's own rules",
    summary="no 101 to a request that asked for no upgrade; 204 and 304 answers carry no content (nor a length); "
    "a redirect (301, 302, 303, 307, 308) says where to, in Location",
    doc="RFC 9110 15.2.2: 101 only switches to a protocol the request's Upgrade asked for; 15.3.5 / 15.4.5: a 204 "
    "or 304 response cannot contain content; 15.4.2-15.4.9: a redirect's Location names where to go",
    applies=_answered,
    # A 101 is the cause of whatever else a request that got one reports (no answer to read, no status to expect);
    # a 204/304 with content, of what else its answer shows (its body is not one a client reads).
    claims=lambda status, error: (
        "switching-unasked"
        if status == 101
        else f"content-with-{status}"
        if status in (204, 304)
        else "redirect-without-location"
        if status in REDIRECTS
        else None
    ),
)
def http_semantics(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    if exchange.status == 101 and not _asked_upgrade(exchange):
        yield Fail("101 Switching Protocols to a request that asked for no upgrade", "switching-unasked")
    if exchange.status in REDIRECTS and not exchange.response_headers.get("location", "").strip():
        message = f"{exchange.status} redirects without a Location: a client has nowhere to go"
        yield Fail(message, "redirect-without-location")
    if exchange.status not in (204, 304):
        return
    length = exchange.response_headers.get("content-length", "0").strip()
    chunked = "transfer-encoding" in exchange.response_headers  # its content is never read: declaring it is enough
    if exchange.response_body or (length.isdigit() and int(length) > 0) or chunked:
        size = f"{len(exchange.response_body) or int(length)} bytes of" if not chunked else "chunked"
        yield Fail(
            f"{exchange.status} carries {size} content; a client skips it and reads it as the start of the next "
            "response on the connection",
            f"content-with-{exchange.status}",
        )


@check(
    "response_schema",
    kind="response",
    severity="medium",
    problem="Responses do not match the spec's schema",
    summary="2xx bodies conform to the operation's response schema",
    doc="the OpenAPI document: the operation's documented response",
    applies=_validatable,
    grouping=lambda key, status: schema_kind(key),
)
def response_schema(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    from conformance.checks._schemathesis import validate_response

    for key, message in validate_response(ctx.schemathesis_operation, exchange):
        yield Fail(message, key)


def _silence(error: str) -> str:
    """What kind of no-answer an error is, in a word a key can hold: never the seconds or sizes in it."""
    for word, kind in (("connection", "connection"), ("oversized", "oversized"), ("not sent", "unanswered")):
        if error.startswith(word):
            return kind
    return "timeout"


_SILENCE_WORDS = {
    "timeout": "no complete answer within the deadline",
    "connection": "the connection failed",
    "oversized": "an answer over the size cap",
    "unanswered": "no complete answer within the deadline",
}


def _failure_key(status: int | None, error: str | None) -> str:
    """The key server_error gives an answer that is a failure: the silence, or the 5xx."""
    return f"no-answer:{_silence(error)}" if error else f"status:{status}"


def _server_error_kind(key: str, status: int | None) -> ProblemKind:
    kind, _, detail = key.partition(":")
    if kind == "no-answer":
        return ProblemKind(f"no-answer:{detail}", _SILENCE_WORDS.get(detail, detail))
    return ProblemKind("5xx", statuses=True)


@check(
    "server_error",
    kind="response",
    severity="high",
    problem="The server fails (5xx) or does not answer",
    summary="no 5xx (and no silence) for any input, valid or not",
    doc="restful_api '500 Internal Server Error': a server fault, never an answer to client input",
    grouping=_server_error_kind,
    claims=lambda status, error: (
        _server_error_kind(_failure_key(status, error), status).kind
        if (status is not None and status >= 500) or error
        else None
    ),
)
def server_error(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    if exchange.error is not None:
        yield Fail(f"no usable answer: {exchange.error}", f"no-answer:{_silence(exchange.error)}")
    elif exchange.status is not None and exchange.status >= 500:
        yield Fail(f"server error {exchange.status}", f"status:{exchange.status}")


@check(
    "invalid_input_rejected",
    kind="response",
    severity="medium",
    problem="Invalid input is accepted",
    summary="schema-violating bodies and parameters get a 4xx",
    doc="restful_api '400 Bad Request': Invalid request parameters",
    applies=_negative_case,
    grouping=lambda key, status: _by_keyword(key),
    cluster=lambda keys_by_operation: _unvalidated(keys_by_operation),
)
def invalid_input_rejected(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    violations = held(ctx, exchange)
    if exchange.status is None or not 200 <= exchange.status < 300 or _read_as_valid(ctx, exchange, violations):
        return
    for violation in violations:  # each one the target let through: one finding per field and keyword
        yield Fail(
            f"accepted with {exchange.status} a request with {violation.describe()}", f"accepted:{violation.key}"
        )


def _unvalidated(keys_by_operation: dict[str, set[str]]) -> dict[str, ProblemKind]:
    """An operation that accepts a value of the wrong JSON type validates nothing (Go's encoding/json rejects
    every wrong type on its own): one cause, whatever else it let through, not one problem per keyword."""
    kind = ProblemKind("accepted:unvalidated", "requests are not validated: even a value of the wrong JSON type")
    return {op: kind for op, keys in keys_by_operation.items() if any(k.startswith("accepted:type:") for k in keys)}


def _by_keyword(key: str) -> ProblemKind:
    """One problem per JSON Schema keyword the target lets through (maxLength not enforced is one fix, wherever
    it is missing), never one per field or value."""
    keyword = key.split(":")[1] if key.count(":") >= 3 else key
    return ProblemKind(f"accepted:{keyword}", keyword_phrase(keyword) if key.count(":") >= 3 else words(key))


def _read_as_valid(ctx: Context, exchange: Exchange, violations: tuple[Violation, ...]) -> bool:
    """A server that reads the first of repeated query values (Go, as the profile says the live one does) read
    `?page_size=6&page_size=junk` as 6: accepting it breaks no promise. Only where every repeated scalar
    parameter's first value is valid."""
    from urllib.parse import parse_qs, urlsplit

    from conformance.openapi import INVALID, coerce, resolve

    if not ctx.profile.reads_first_query_value or not all(v.location == "query" for v in violations):
        return False
    sent = parse_qs(urlsplit(exchange.url).query, keep_blank_values=True)
    declared = {p["name"]: p for p in ctx.operation.parameters(ctx.spec.document) if p.get("in") == "query"}
    repeated = [name for name, values in sent.items() if len(values) > 1 and name in declared]
    if not repeated:
        return False
    for name in repeated:
        schema = resolve(ctx.spec.document, declared[name].get("schema")) or {}
        if schema.get("type") == "array":
            return False
        value = coerce(sent[name], schema)
        if value is INVALID or not _valid(schema, value):
            return False
    return True


def _valid(schema: dict[str, Any], value: Any) -> bool:
    import jsonschema

    try:
        return bool(jsonschema.Draft4Validator(schema).is_valid(value))
    except (jsonschema.SchemaError, RecursionError):
        return False
