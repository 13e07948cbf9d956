"""Checks of what every resource promises (common_overview): UUID ids, timestamps in one format, the soft-delete
sentinel on live resources; and how the API answers an id or a route it does not have."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar, cast

from conformance.checks._model import Context, Exchange, Fail, Request, excerpt
from conformance.checks._registry import ProblemKind, Subject, check
from conformance.checks.probes import INERT_PATH_VALUE
from conformance.checks.traffic import JUDGED_METHODS, UnknownRoutes, UnservedMethods, route_verdict
from conformance.openapi import fill_path, match_path, properties, resolve, returned_once

T = TypeVar("T")

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$")


def _a_real_instant(value: str) -> bool:
    """Whether the digits name a real date and time (2026-13-45 25:61:61 has the shape and names nothing)."""
    try:
        datetime.fromisoformat(_at_microseconds(value))
    except ValueError:
        return False
    return True


def _at_microseconds(value: str) -> str:
    """`value` with its fraction cut to microseconds and Z as +00:00, as fromisoformat reads it."""
    head, dot, rest = value.partition(".")
    if not dot:
        return value.replace("Z", "+00:00").replace("z", "+00:00")
    digits = "".join(itertools.takewhile(str.isdigit, rest))
    return f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}".replace("Z", "+00:00").replace("z", "+00:00")


def _resources(ctx: Context, exchange: Exchange) -> list[dict[str, Any]]:
    """The resource objects an answer carries: a list's items, or the one resource (a body with an id)."""
    body = exchange.json
    if not isinstance(body, dict):
        return []
    items = body.get(ctx.profile.result_field)
    if ctx.is_list and isinstance(items, list):
        return [item for item in items if isinstance(item, dict)]
    return [body] if ctx.profile.id_field in body else []


def declared_fields(ctx: Context) -> dict[str, Any]:
    """The properties the spec declares for those resource objects (a list's items, or the body)."""
    return dict(_per_operation(ctx, "declared_fields", _declared_fields))


def _once(ctx: Context) -> frozenset[str]:
    """The declared fields the spec says are returned only once."""
    return _per_operation(
        ctx,
        "returned_once",
        lambda c: returned_once(c.spec.document, {"type": "object", "properties": declared_fields(c)}),
    )


def _per_operation(ctx: Context, name: str, compute: Callable[[Context], T]) -> T:
    """`compute(ctx)`, worked out once per operation and profile: every answer asks for these."""
    key = (name, ctx.profile.result_field, ctx.is_list)
    if key not in ctx.operation.memo:
        ctx.operation.memo[key] = compute(ctx)
    return cast(T, ctx.operation.memo[key])


def _declared_fields(ctx: Context) -> dict[str, Any]:
    document = ctx.spec.document
    schema = resolve(document, ctx.operation.success_schema(document))
    if ctx.is_list:
        container = schema if isinstance(schema, dict) and schema.get("type") == "array" else None
        container = container or resolve(document, properties(document, schema).get(ctx.profile.result_field))
        schema = resolve(document, (container or {}).get("items")) if isinstance(container, dict) else None
    return {name: resolve(document, prop) or {} for name, prop in properties(document, schema).items()}


def _resource_answer(ctx: Context, exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300 and bool(_resources(ctx, exchange))


def _one_problem(key: str, status: int | None) -> ProblemKind:
    return ProblemKind("not-the-documented-format")


@check(
    "id_format",
    kind="response",
    severity="medium",
    problem="Resource ids are not UUIDs",
    summary="every resource's id is a UUID",
    doc="common_overview 'UUID Format': all resource IDs follow the standard UUID format",
    applies=_resource_answer,
    grouping=_one_problem,
)
def id_format(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    declared = declared_fields(ctx).get(ctx.profile.id_field, {})
    if declared.get("type") not in (None, "string") or declared.get("format") not in (None, "uuid"):
        return  # the spec says the id is something else: the spec's operation wins
    for resource in _resources(ctx, exchange):
        value = resource.get(ctx.profile.id_field)
        if value is not None and not (isinstance(value, str) and ctx.profile.id_pattern.match(value)):
            shown = excerpt(repr(value))
            yield Fail(f"{exchange.status} answers {ctx.profile.id_field} {shown}, not a UUID", "id-not-uuid")
            return


@check(
    "timestamp_format",
    kind="response",
    severity="medium",
    problem="Timestamps are not in the documented format",
    summary="every tm_* field is YYYY-MM-DD HH:MM:SS.microseconds (or the format the spec declares for it)",
    doc="common_overview 'Timestamp Format': YYYY-MM-DD HH:MM:SS.microseconds, UTC",
    applies=_resource_answer,
    grouping=_one_problem,
)
def timestamp_format(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    declared, profile = declared_fields(ctx), ctx.profile
    for resource in _resources(ctx, exchange):
        for key, value in resource.items():
            if not key.startswith(profile.timestamp_prefix) or value in (None, ""):
                continue
            declared_here = declared.get(key, {}).get("format") == "date-time"
            iso = declared_here or "date-time" in ctx.spec.shape.field_formats.get(key, ())  # the spec wins (08-22)
            pattern = _RFC3339 if iso else profile.timestamp_pattern
            if not (isinstance(value, str) and pattern.match(value) and _a_real_instant(value)):
                wanted = "an RFC 3339 date-time, as the spec declares" if iso else "YYYY-MM-DD HH:MM:SS.microseconds"
                yield Fail(f"{key} is {excerpt(repr(value))}, not {wanted}", f"timestamp:{key}")
                return


def _live_resource_answer(ctx: Context, exchange: Exchange) -> bool:
    """A list (it shows no deleted resource), or what a collection's create or update answers: live resources
    (an action may answer one it just deleted: POST /auth/unregister)."""
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    made = collection is not None and ctx.operation in (collection.create, collection.update)
    live = ctx.is_list or (made and exchange.method in ("POST", "PUT", "PATCH"))
    return bool(ctx.profile.live_sentinel) and live and _resource_answer(ctx, exchange)


@check(
    "live_delete_sentinel",
    kind="response",
    severity="medium",
    problem="Live resources do not carry the documented tm_delete sentinel",
    summary="a resource that is not deleted has tm_delete 9999-01-01 00:00:00.000000 (2026-08)",
    doc="common_overview-2026-08-22 'Soft Deletion': non-deleted resources have tm_delete 9999-01-01 00:00:00.000000",
    applies=_live_resource_answer,
    in_profile=lambda profile: bool(profile.live_sentinel),
)
def live_delete_sentinel(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    field = ctx.profile.soft_delete_field
    live: set[str | None] = set(ctx.profile.live_sentinel)
    if "nullable" in ctx.spec.shape.field_formats.get(field, ()):
        live.add(None)  # the spec declares it nullable: its word holds
    for resource in _resources(ctx, exchange):
        if field in resource and resource[field] not in live and not _the_sentinel(resource[field], live):
            where = "a listed resource" if ctx.is_list else "the resource it answers"
            shown = excerpt(repr(resource[field]))
            yield Fail(f"{where} is not deleted but has {field} {shown}, not {ctx.profile.live_sentinel[0]!r}", field)
            return


def _read_answer(ctx: Context, exchange: Exchange) -> bool:
    return exchange.method == "GET" and _resource_answer(ctx, exchange)


@check(
    "secret_returned_once",
    kind="response",
    severity="high",
    problem="A secret the spec returns only once comes back on a later read",
    summary="a field the spec describes as returned only once (at creation: an accesskey's token) is absent from "
    "every read and list",
    doc="the OpenAPI document: the field's description ('Only returned once at creation time via POST "
    "/accesskeys. Subsequent GET requests will not include this field')",
    applies=_read_answer,
)
def secret_returned_once(ctx: Context, exchange: Exchange) -> Iterator[Fail]:
    once = _once(ctx)
    resources = _resources(ctx, exchange)
    shown = sorted({name for r in resources for name in once if r.get(name) not in (None, "")})
    if not shown:
        return
    # The finding keeps the answer, never the secret it leaked (on a copy: other checks read the same answer).
    masked = dataclasses.replace(exchange, _json=copy.deepcopy(exchange.json))
    for resource in _resources(ctx, masked):
        resource.update({name: "[REDACTED]" for name in shown if resource.get(name) not in (None, "")})
    masked.response_body = json.dumps(masked.json).encode()
    for name in shown:
        yield Fail(f"a read returns {name}, which the spec says is returned only once, at creation", name, masked)


def once_only_secrets(ctx: Context, exchange: Exchange) -> list[str]:
    """The values of fields the spec says are returned only once (a new accesskey's token) in a 2xx answer: new
    credentials the target handed out, which no report may show (the client's redactor learns them)."""
    if not _resource_answer(ctx, exchange):
        return []
    once = _once(ctx)
    found = (resource.get(name) for resource in _resources(ctx, exchange) for name in once)
    return [value for value in found if isinstance(value, str) and value]


def _the_sentinel(value: Any, live: set[str | None]) -> bool:
    """The same instant as one of the sentinel's spellings (9999-01-01T00:00:00Z is 9999-01-01 00:00:00.000000)."""
    if not isinstance(value, str) or not _a_real_instant(value):
        return False
    instant = datetime.fromisoformat(_at_microseconds(value)).replace(tzinfo=None)
    return any(
        isinstance(s, str) and datetime.fromisoformat(_at_microseconds(s)).replace(tzinfo=None) == instant for s in live
    )


def _route_grouping(key: str, status: int | None) -> ProblemKind:
    """Its body outside the envelope is the envelope's problem wherever error_envelope saw it (not on this route:
    its request is this check's alone)."""
    words = key.replace("-", " ").replace(":", " ")
    if key == "not-envelope":
        return ProblemKind(key, words, caused_by=("error_envelope", None), caused_anywhere=True)
    return ProblemKind(key, words)


@check(
    "unknown_route_envelope",
    kind="stateful",
    severity="medium",
    problem="An unknown route is not answered with the error envelope",
    summary="a path the API does not serve answers 404 in the error envelope (once per run)",
    doc="the live server's NoRoute handler: 404 in the error envelope, reason ROUTE_NOT_FOUND",
    subject=Subject.RUN,
    grouping=_route_grouping,
    observer=UnknownRoutes,
)
def unknown_route_envelope(ctx: Context) -> Iterator[Fail]:
    route = ctx.profile.unknown_route
    exchange = ctx.client.send(
        ctx.operation.label, "GET", Request(route["path"]), purpose="a route the API does not have", judge=False
    )
    verdict = route_verdict(ctx.profile, exchange, route["status"])  # no other check judges this request
    if verdict is not None:
        yield Fail(f"an unknown route {verdict[0]}", verdict[1], exchange)


def _unserved(ctx: Context) -> str | None:
    """The method this operation's path does not serve that the probe asks for (reads first), where this
    operation is its path's first (one probe per path)."""
    path = ctx.operation.path
    here = sorted(op.method for op in ctx.spec.shape.operations if op.path == path)
    if not here or here[0] != ctx.operation.method or ctx.profile.unserved_method is None:
        return None
    # Served by another template too: GET /numbers/renew is GET /numbers/{id}'s, with "renew" as the id.
    served = {op.method for op in ctx.spec.shape.operations if match_path(op.path, path) is not None}
    # A DELETE on a path without a value to spoil could act on the whole collection: never asked.
    sendable = [m for m in JUDGED_METHODS if m != "DELETE" or ctx.operation.path_params]
    return next((method for method in sendable if method not in served), None)


def _unserved_grouping(key: str, status: int | None) -> ProblemKind:
    """One handler answers unknown routes and unserved methods: a body that is not JSON is the unknown route's
    problem too, one outside the envelope the envelope's (as the unknown route's is), wherever they were found."""
    if key == "not-json":
        return ProblemKind(key, "not json", caused_by=("unknown_route_envelope", None), caused_anywhere=True)
    if key == "not-envelope":
        return ProblemKind(key, "not envelope", caused_by=("error_envelope", None), caused_anywhere=True)
    if key.startswith("status:"):
        return ProblemKind(key, statuses=True)  # the title says "answered 405"
    return ProblemKind(key, key.replace("-", " "))


@check(
    "unserved_method",
    kind="probe",
    severity="medium",
    problem="A method a path does not serve is not answered as the API does",
    summary="a known path asked with a method it does not serve answers 404 ROUTE_NOT_FOUND in the error envelope "
    "(never 405, which no revision documents); once per path",
    doc="the docs are silent and document no 405; the live server (gin, HandleMethodNotAllowed off; server/"
    "no_route.go) answers 404 in the error envelope, reason ROUTE_NOT_FOUND",
    applies=lambda ctx, exchange=None: _unserved(ctx) is not None,
    grouping=_unserved_grouping,
    observer=UnservedMethods,
)
def unserved_method(ctx: Context) -> Iterator[Fail]:
    method, rule = _unserved(ctx), ctx.profile.unserved_method
    assert method is not None and rule is not None and ctx.example is not None
    names = dict.fromkeys(ctx.operation.path_params, INERT_PATH_VALUE)  # a write names nothing it could act on
    path = ctx.example.path if method == "GET" else fill_path(ctx.operation.path, names)
    request = ctx.example if method == "GET" else Request(path, {}, None, method != "DELETE")
    body = b"{" if request.has_body else None  # not JSON: it acts on nothing
    exchange = ctx.client.send(
        ctx.operation.label,
        method,
        request,
        raw_body=body,
        purpose=f"{method}, which the path does not serve",
        inert=method != "GET",
        judge=False,
    )  # fmt: skip  (no other check judges its answer, nor its silence)
    # A body that is not JSON may be refused first, as the docs say invalid JSON is (400): a documented refusal of
    # this inert request, not the unserved method's answer (a target written from the 2026-01-15 docs alone).
    refused_first = body is not None and exchange.status == ctx.profile.malformed_json_status
    expected = ctx.profile.malformed_json_status if refused_first else int(rule["status"])
    verdict = route_verdict(ctx.profile, exchange, expected)
    if verdict is not None:
        message, key = verdict
        if exchange.status == 405:
            message += ": 405 is documented by neither the docs nor the spec (the live server: 404 ROUTE_NOT_FOUND)"
        yield Fail(f"{method} on a path that does not serve it {message}", key, exchange)
