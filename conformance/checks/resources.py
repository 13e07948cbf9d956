"""Checks of what every resource promises (common_overview): UUID ids, timestamps in one format, the soft-delete
sentinel on live resources; and how the API answers an id or a route it does not have."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from conformance.checks._media import json_media
from conformance.checks._model import NOT_JSON, Context, Exchange, Fail, Request, excerpt
from conformance.checks._registry import ProblemKind, Subject, check
from conformance.checks.probes import INERT_PATH_VALUE, answered
from conformance.openapi import is_id_param, properties, resolve

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


def _declared(ctx: Context) -> dict[str, Any]:
    """The properties the spec declares for those resource objects (a list's items, or the body)."""
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
    declared = _declared(ctx).get(ctx.profile.id_field, {})
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
    declared, profile = _declared(ctx), ctx.profile
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


def _the_sentinel(value: Any, live: set[str | None]) -> bool:
    """The same instant as one of the sentinel's spellings (9999-01-01T00:00:00Z is 9999-01-01 00:00:00.000000)."""
    if not isinstance(value, str) or not _a_real_instant(value):
        return False
    instant = datetime.fromisoformat(_at_microseconds(value)).replace(tzinfo=None)
    return any(
        isinstance(s, str) and datetime.fromisoformat(_at_microseconds(s)).replace(tzinfo=None) == instant for s in live
    )


def _item_read(ctx: Context, _: Exchange | None = None) -> bool:
    """A GET of one resource by its id: the last path segment is an id parameter."""
    last = ctx.operation.path.rsplit("/", 1)[-1]
    return ctx.operation.method == "GET" and last.startswith("{") and is_id_param(last[1:-1])


def _listed_read(ctx: Context, _: Exchange | None = None) -> bool:
    """The read of a collection that lists its resources: the ids that exist are the ones it lists."""
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    listed = collection is not None and collection.read == ctx.operation and collection.list is not None
    return listed and _item_read(ctx)


def _with_last(ctx: Context, value: str) -> Request:
    """The operation's valid example (its parents existing ones, where the run knows some), with `value` as the
    id it reads."""
    assert ctx.example is not None
    return Request(f"{ctx.example.path.rsplit('/', 1)[0]}/{value}", dict(ctx.example.params))


def _outcome(exchange: Exchange) -> str:
    return exchange.error or str(exchange.status)


@check(
    "unknown_resource_404",
    kind="probe",
    severity="medium",
    problem="A resource that does not exist is not a 404",
    summary="a GET of a well-formed id that names nothing answers 404",
    doc="restful_api 'Common HTTP Status Codes': 404 Not Found, resource does not exist",
    applies=_listed_read,
)
def unknown_resource_404(ctx: Context) -> Iterator[Fail]:
    expected = ctx.profile.unknown_resource_status
    request = _with_last(ctx, str(uuid.uuid4()))
    exchange = answered(ctx.client.send(ctx.operation.label, "GET", request, purpose="an id that names nothing"))
    if exchange.status != expected:
        yield Fail(
            f"a resource that does not exist answered {exchange.status}, not {expected}",
            f"status:{exchange.status}",
            exchange,
        )


def _malformed_applies(ctx: Context, exchange: Exchange | None = None) -> bool:
    """Where the profile says what a malformed id gets (2026-08), or the spec declares the id a UUID."""
    if not _item_read(ctx):
        return False
    last = ctx.operation.path.rsplit("/", 1)[-1][1:-1]
    declared = next((p for p in ctx.operation.parameters(ctx.spec.document) if p.get("name") == last), {})
    schema = resolve(ctx.spec.document, declared.get("schema")) or {}
    return ctx.profile.malformed_id_status is not None or schema.get("format") == "uuid"


@check(
    "malformed_id_rejected",
    kind="probe",
    severity="medium",
    problem="A malformed id is not rejected as invalid input",
    summary="a GET of an id that is not a UUID answers 400 (INVALID_ID), not 404 or 2xx",
    doc="restful_api '400 Bad Request': invalid parameters (2026-08-22: malformed UUID; INVALID_ID)",
    applies=_malformed_applies,
    # Whatever else it answers (a 200 here, a 307 there), the malformed id is not refused: one cause, one fix.
    grouping=lambda key, status: ProblemKind("not-refused", statuses=True),
)
def malformed_id_rejected(ctx: Context) -> Iterator[Fail]:
    expected = ctx.profile.malformed_id_status or 400
    request = _with_last(ctx, INERT_PATH_VALUE)
    exchange = answered(ctx.client.send(ctx.operation.label, "GET", request, purpose="an id that is not a UUID"))
    if exchange.status != expected:
        yield Fail(
            f"an id that is not a UUID answered {exchange.status}, not {expected}",
            f"status:{exchange.status}",
            exchange,
        )


@check(
    "unknown_route_envelope",
    kind="stateful",
    severity="medium",
    problem="An unknown route is not answered with the error envelope",
    summary="a path the API does not serve answers 404 in the error envelope (once per run)",
    doc="the live server's NoRoute handler: 404 in the error envelope, reason ROUTE_NOT_FOUND",
    subject=Subject.RUN,
    # Its body outside the envelope is the envelope's problem wherever error_envelope saw it (not on this route:
    # its request is this check's alone).
    grouping=lambda key, status: (
        ProblemKind(
            key, key.replace("-", " ").replace(":", " "), caused_by=("error_envelope", None), caused_anywhere=True
        )
        if key == "not-envelope"
        else ProblemKind(key, key.replace("-", " ").replace(":", " "))
    ),
)
def unknown_route_envelope(ctx: Context) -> Iterator[Fail]:
    route, profile = ctx.profile.unknown_route, ctx.profile
    exchange = ctx.client.send(
        ctx.operation.label, "GET", Request(route["path"]), purpose="a route the API does not have", judge=False
    )
    if exchange.error is not None:  # no other check judges this request: a silence is this check's to say
        message, key = f"got no answer ({exchange.error})", "no-answer"
    elif exchange.status != route["status"]:
        message, key = (
            f"an unknown route answered {exchange.status}, not {route['status']}",
            f"status:{exchange.status}",
        )
    elif exchange.json is NOT_JSON or not json_media(exchange.media_type):
        shown = exchange.media_type or "no Content-Type"
        message, key = f"an unknown route answered {excerpt(shown)}, not the JSON error envelope", "not-json"
    elif next(iter(profile.error_validator.iter_errors(exchange.json)), None) is not None:
        message, key = (
            f"an unknown route's body is not the error envelope ({profile.error_schema_file})",
            "not-envelope",
        )
    else:
        return
    yield Fail(message, key, exchange)
