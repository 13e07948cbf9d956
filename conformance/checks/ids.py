"""How the API answers an id that names nothing, on every method of a path that takes one: a well-formed id no
resource has, the empty UUID (common_overview 'Empty UUID': "null or unset"), and a value that is not an id at all.

Every such request is inert: no resource can match the id it names, so even a write changes nothing, and it goes
out whether or not writes are allowed (the write gate's `inert`); a create under an item is the exception (it needs
no match to act), sent only where writes are allowed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from conformance.checks._model import Context, Exchange, Fail, NotJudged, Request
from conformance.checks._registry import ProblemKind, check
from conformance.checks.probes import INERT_PATH_VALUE, answered
from conformance.checks.traffic import MalformedIds, acted_on_id
from conformance.openapi import fill_path, match_path, resolve


def _target(ctx: Context) -> str | None:
    return acted_on_id(ctx.spec, ctx.operation)


def _listed_target(ctx: Context, _: Exchange | None = None) -> bool:
    """Where the ids that exist are the ones a list hands out, so a fresh UUID surely names nothing."""
    name = _target(ctx)
    return name is not None and any(source.param == name for source in ctx.spec.shape.id_sources(ctx.operation.path))


def _with_id(ctx: Context, value: str) -> Request:
    """The operation's valid example (its other path values existing ones, where the run knows some, and its valid
    body), with `value` as the id it acts on."""
    assert ctx.example is not None
    name = _target(ctx)
    assert name is not None
    values = match_path(ctx.operation.path, ctx.example.path) or {}
    path = fill_path(ctx.operation.path, {**values, name: value})
    return Request(path, dict(ctx.example.params), ctx.example.json_body, ctx.example.has_body)


def _send(ctx: Context, value: str, purpose: str) -> Exchange:
    collection = ctx.spec.shape.collection_of(ctx.operation.path)
    if collection is not None and collection.create == ctx.operation and not ctx.limits.allow_writes:
        # A create under an item (POST /campaigns/{id}/campaigncalls) needs no match to act: a target that does not
        # look the id up would create an orphan. Inert only where writes are allowed anyway.
        raise NotJudged("a create under an id that names nothing is a write: it needs --allow-writes")
    request = _with_id(ctx, value)
    method = ctx.operation.method
    return answered(ctx.client.send(ctx.operation.label, method, request, purpose=purpose, inert=ctx.writes))


def _id_grouping(key: str, status: int | None) -> ProblemKind:
    """One cause per way of answering: acting on an id that names nothing (a 200, a 204 or a redirect alike: the
    target does not look the id up) is one problem; refusing it otherwise than documented (a 422, a 404 where 400 is
    documented) another. The empty UUID answered as found is a cause of its own (the unknown id was refused)."""
    kind, _, code = key.rpartition(":")
    acted = code.isdigit() and int(code) < 400
    prefix = "nil-id-" if kind == "nil-id" else ""
    words = "the empty UUID" if prefix else ""
    if acted:
        return ProblemKind(f"{prefix}acted-on", words or "answered as found", statuses=True)
    # An undocumented refusal (a 422 for a query the target reads otherwise) is status_code's problem, where that
    # check saw the same status on the same operation: the answer is undocumented whatever the id.
    return ProblemKind(
        f"{prefix}refused-otherwise",
        words or "refused otherwise than documented",
        statuses=True,
        caused_by=("status_code", f"status:{code}"),
    )


def _acted(exchange: Exchange) -> bool:
    """Answered as if it had found and acted on something (a 2xx, or a redirect to it)."""
    return exchange.status is not None and exchange.status < 400


@check(
    "unknown_resource_404",
    kind="probe",
    severity="medium",
    problem="A resource that does not exist is not a 404",
    summary="an id that names nothing (a fresh UUID, the empty UUID): a GET answers 404 (the empty UUID may get "
    "400), and no method acts on it (PUT, DELETE, an action: never a 2xx)",
    doc="restful_api 'Common HTTP Status Codes': 404 Not Found, resource does not exist; common_overview "
    "'Empty UUID': it represents null or unset references",
    applies=_listed_target,
    grouping=_id_grouping,
)
def unknown_resource_404(ctx: Context) -> Iterator[Fail]:
    profile, reads = ctx.profile, ctx.operation.method == "GET"
    expected = profile.unknown_resource_status
    exchange = _send(ctx, str(uuid.uuid4()), "an id that names nothing")
    if (reads and exchange.status != expected) or _acted(exchange):
        yield Fail(
            f"a resource that does not exist answered {exchange.status}, not {expected}",
            f"status:{exchange.status}",
            exchange,
        )
    if profile.nil_id is None or (reads and exchange.status != expected) or _acted(exchange):
        return  # the empty UUID is tried where any id that names nothing is answered right: else the same cause
    nil = _send(ctx, profile.nil_id, "the empty UUID (an unset reference)")
    allowed = {expected, *profile.malformed_id_statuses}
    if (reads and nil.status not in allowed) or _acted(nil):
        wanted = " or ".join(map(str, sorted(allowed)))
        yield Fail(f"the empty UUID {profile.nil_id} answered {nil.status}, not {wanted}", f"nil-id:{nil.status}", nil)


def _malformed_applies(ctx: Context, exchange: Exchange | None = None) -> bool:
    """Where the profile says what a malformed id gets, or the spec declares the id a UUID."""
    name = _target(ctx)
    if name is None:
        return False
    declared = next((p for p in ctx.operation.parameters(ctx.spec.document) if p.get("name") == name), {})
    schema = resolve(ctx.spec.document, declared.get("schema")) or {}
    return bool(ctx.profile.malformed_id_statuses) or schema.get("format") == "uuid"


@check(
    "malformed_id_rejected",
    kind="probe",
    severity="medium",
    problem="A malformed id is not rejected as invalid input",
    summary="an id that is not a UUID, on any method, answers 400 INVALID_ID (2026-08) or 400/404 (2026-01), "
    "never a 2xx",
    doc="restful_api-2026-08-22 '400 Bad Request': malformed UUID (INVALID_ID); restful_api-2026-01-15 "
    "'Common HTTP Status Codes': 400 invalid parameters or 404 no such resource (common_overview 'UUID Format')",
    applies=_malformed_applies,
    grouping=_id_grouping,
    observer=MalformedIds,
)
def malformed_id_rejected(ctx: Context) -> Iterator[Fail]:
    expected = ctx.profile.malformed_id_statuses or (400,)  # a spec declaring a UUID: 400 invalid parameters
    exchange = _send(ctx, INERT_PATH_VALUE, "an id that is not a UUID")
    if exchange.status not in expected:
        wanted = " or ".join(map(str, expected))
        yield Fail(
            f"an id that is not a UUID answered {exchange.status}, not {wanted}",
            f"status:{exchange.status}",
            exchange,
        )
