"""Checks that send their own requests for one operation: credentials, request format."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TypeVar

from conformance.checks._model import Auth, Context, Exchange, Fail, NotJudged, Request, unauthenticated
from conformance.checks._registry import ProblemKind, check
from conformance.checks.traffic import MissingCredentials
from conformance.forged import forged_jwts
from conformance.openapi import Operation, fill_path
from conformance.profiles import AuthMechanism

T = TypeVar("T")


def _outcome(exchange: Exchange) -> str:
    return exchange.error or str(exchange.status)


def answered(exchange: Exchange) -> Exchange:
    """The exchange, where the target answered; a silence is server_error's to report, not a probe's verdict
    (neither a pass nor a failure of what the probe asked): NotJudged."""
    if exchange.error is not None:
        raise NotJudged(f"no answer to judge ({exchange.error})")
    return exchange


def _unauthenticated(ctx: Context, exchange: Exchange, what: str, key: str) -> Iterator[Fail]:
    if exchange.status != ctx.profile.unauthenticated_status:
        yield Fail(
            f"{what}: expected {ctx.profile.unauthenticated_status}, got {_outcome(exchange)}",
            f"{key}:{exchange.status}",
            exchange,
        )


def _refusal_grouping(key: str, status: int | None) -> ProblemKind:
    """The probes differ only in which credential they present (or none): failing the same way is one cause,
    "the target does not enforce authentication", not seven. A 5xx instead of the 401 is another."""
    outcome = key.rsplit(":", 1)[-1]
    if outcome.isdigit():
        return ProblemKind("server-error" if int(outcome) >= 500 else "not-refused", statuses=True)
    return ProblemKind(outcome, outcome.replace("-", " "))


NOT_REFUSED = "not-refused"


def _invalid_grouping(key: str, status: int | None) -> ProblemKind:
    """Invalid credentials let through where no credentials at all are let through too: one cause, the operation
    does not authenticate (auth_missing_rejected's problem); alone (a forged JWT accepted) a problem of its own."""
    kind = _refusal_grouping(key, status)
    if kind.kind == NOT_REFUSED:
        return ProblemKind(kind.kind, statuses=True, caused_by=("auth_missing_rejected", NOT_REFUSED))
    return kind


def _guarded(ctx: Context, _: Exchange | None = None) -> bool:
    """Whether the operation is one credentials guard: an unauthenticated one (/auth/signup) is not judged for
    missing, invalid or accepted credentials."""
    return unauthenticated(ctx.profile, ctx.spec.document, ctx.operation) is None


INERT_PATH_VALUE = "conformance-probe-never-an-id"


def inert(ctx: Context, request: Request) -> Request | None:
    """Where writes are not allowed, the form of a write request that cannot change anything even on a target
    whose authentication is broken: every path value one no schema admits (not an integer, not an enum member,
    not an existing id) and a body that is not JSON. None when the operation has neither to spoil (a body-less
    write on a fixed path): such a probe is not sent at all.

    Reads, and every request where writes are allowed, go out as given."""
    if not ctx.writes or ctx.limits.allow_writes:
        return request
    if not _sendable(ctx):
        return None
    names, has_body = ctx.operation.path_params, ctx.operation.has_body(ctx.spec.document)
    path = fill_path(ctx.operation.path, dict.fromkeys(names, INERT_PATH_VALUE)) if names else request.path
    return Request(path, dict(request.params), None, has_body)


def _sendable(ctx: Context) -> bool:
    """Whether the operation's probes can go out: not a body-less write on a fixed path where writes are not
    allowed (it would act for real on a target whose authentication is broken)."""
    unspoilable = not ctx.operation.path_params and not ctx.operation.has_body(ctx.spec.document)
    return not (ctx.writes and not ctx.limits.allow_writes and unspoilable)


def _takes_json(ctx: Context, _: Exchange | None = None) -> bool:
    """Whether the operation takes a JSON body: a multipart-only upload (POST /files) is not sent JSON at all."""
    return ctx.operation.takes_json(ctx.spec.document)


def _can_succeed(ctx: Context, _: Exchange | None = None) -> bool:
    """Whether the operation documents a success (or leaves its answers open): GET /ws declares only 401 and 500
    (a websocket upgrade, refused to any plain request), so no credential can be judged accepted there."""
    declared = ctx.operation.declared_statuses()
    open_ended = "default" in (ctx.operation.definition.get("responses") or {})
    return open_ended or not declared or any(100 <= status < 300 for status in declared)


def _acceptable(ctx: Context, _: Exchange | None = None) -> bool:
    return _can_succeed(ctx) and _guarded(ctx)


def _writes_json(ctx: Context, _: Exchange | None = None) -> bool:
    # Only where writes are allowed: a target that ignores Content-Type would act on this body.
    return ctx.operation.method in ("POST", "PUT", "PATCH") and _takes_json(ctx) and ctx.limits.allow_writes


def _spread(
    ctx: Context, pool: str, variants: list[T], eligible: Callable[[Context], bool], key: Callable[[T], object]
) -> list[T]:
    """The credentials this operation is given: every one with --auth-probes every, else its share (conformance.
    spread). The live server checks credentials in one middleware (LIVE-SERVER.md: authenticate.go): a kind let
    through is let through wherever it goes; no credentials at all still go to every operation."""
    if ctx.limits.spread is None:
        return variants

    def sends(op: Operation) -> bool:  # an operation that can send nothing takes no share
        other = replace(ctx, operation=op)
        return eligible(other) and _sendable(other)

    return ctx.limits.spread.pick(pool, ctx.operation, variants, sends, key)


def _learn(ctx: Context, pool: str, variant: object, mishandled: bool) -> None:
    if ctx.limits.spread is not None:
        ctx.limits.spread.answered(pool, variant, mishandled)


def _send_example(ctx: Context, auth: Auth, purpose: str) -> Exchange | None:
    """The operation's valid example, presented with `auth`; where writes are not allowed, its inert form (or
    nothing, with a note saying why)."""
    assert ctx.example is not None
    request = inert(ctx, ctx.example)
    if request is None:
        ctx.client.note(f"{purpose}: not sent; a write with no path value or body to spoil needs --allow-writes")
        return None
    made_inert = request is not ctx.example
    return ctx.client.send(
        ctx.operation.label,
        ctx.operation.method,
        request,
        auth=auth,
        raw_body=b"{" if made_inert and request.has_body else None,  # a body that is not JSON acts on nothing
        purpose=purpose,
        inert=made_inert,
    )


@check(
    "auth_missing_rejected",
    kind="probe",
    severity="critical",
    problem="Requests without credentials are not refused",
    summary="every operation without credentials answers 401",
    doc="restful_api 'Authentication': All API requests must be authenticated",
    grouping=_refusal_grouping,
    applies=_guarded,
    observer=MissingCredentials,
)
def auth_missing_rejected(ctx: Context) -> Iterator[Fail]:
    exchange = _send_example(ctx, Auth.none(), "no credentials")
    if exchange is not None:
        yield from _unauthenticated(ctx, answered(exchange), "request without credentials", "missing")


def invalid_credentials(ctx: Context) -> list[tuple[str, Auth]]:
    """The bad credentials every operation must refuse: (variant, how it is presented), on every channel the
    profile names (a server that forgot to check one, a cookie say, must not pass): for a token, the forged JWTs
    (conformance.forged); for an accesskey, an unknown one."""
    jwts = forged_jwts(ctx.credentials.token, ctx.credentials.expired_token)
    variants = []
    for mechanism in ctx.profile.auth_mechanisms:
        where = _where(mechanism)
        if mechanism.credential == "token":
            variants += [(f"{name}{where}", Auth(mechanism=mechanism.id, value=value)) for name, value in jwts]
        else:
            value = secrets.token_urlsafe(16)
            variants.append((f"unknown {mechanism.credential}{where}", Auth(mechanism=mechanism.id, value=value)))
    return variants


def _where(mechanism: AuthMechanism) -> str:
    """How a variant's name says where it went: nothing for a header, "in ?token=", "in the token cookie"."""
    if mechanism.location == "query":
        return f" in ?{mechanism.name}="
    if mechanism.location == "cookie":
        return f" in the {mechanism.name} cookie"
    return ""


@check(
    "auth_invalid_rejected",
    kind="probe",
    severity="critical",
    problem="Invalid credentials are not refused",
    summary="malformed, wrongly signed, unsigned and expired JWTs and unknown accesskeys answer 401",
    doc="restful_api '401 Unauthorized': Missing or invalid authentication",
    grouping=_invalid_grouping,
    applies=_guarded,
)
def auth_invalid_rejected(ctx: Context) -> Iterator[Fail]:
    fails: list[Fail] = []
    judged = 0
    for variant, auth in _spread(ctx, "invalid", invalid_credentials(ctx), _guarded, lambda v: v[0]):
        exchange = _send_example(ctx, auth, variant)
        if exchange is not None and exchange.error is None:  # a silence is server_error's
            judged += 1
            failed = list(_unauthenticated(ctx, exchange, variant, variant.replace(" ", "-")))
            fails += failed
            _learn(ctx, "invalid", variant, bool(failed))
    if not judged:
        raise NotJudged("no invalid credential got an answer to judge")
    yield from fails


@check(
    "auth_accepted",
    kind="probe",
    severity="critical",
    problem="Valid credentials are refused",
    summary="each mechanism the revision's docs promise accepts valid credentials (not 401); a live-only one is not "
    "demanded",
    doc="quickstart_authentication 'Using Your Token or Accesskey'",
    grouping=lambda key, status: ProblemKind(key.rsplit(":", 1)[-1], f"via {key.rsplit(':', 1)[-1]}"),
    applies=lambda ctx, exchange=None: _acceptable(ctx),
)
def auth_accepted(ctx: Context) -> Iterator[Fail]:
    assert ctx.example is not None
    available = {"token": ctx.credentials.token, "accesskey": ctx.credentials.accesskey}
    # a live-only channel (2026-01's cookies) is not promised
    mechanisms = [m for m in ctx.profile.documented_mechanisms if available.get(m.credential)]
    for mechanism in _spread(ctx, "valid", mechanisms, _acceptable, lambda m: m.id):
        exchange = _send_example(ctx, Auth(mechanism=mechanism.id), f"valid {mechanism.credential} via {mechanism.id}")
        if exchange is None or exchange.error is not None:  # a silence is server_error's, not a refusal
            continue
        refused = exchange.status == ctx.profile.unauthenticated_status
        _learn(ctx, "valid", mechanism.id, refused)
        if refused:
            yield Fail(
                f"valid {mechanism.credential} sent as {mechanism.id} was refused: {_outcome(exchange)}",
                f"refused:{mechanism.id}",
                exchange,
            )


@check(
    "malformed_json_rejected",
    kind="probe",
    severity="medium",
    problem="Malformed JSON bodies are not rejected",
    summary="a body that is not JSON answers a 4xx with the error envelope (400; an earlier 401/404 is fine)",
    doc="restful_api 'Request Format': Request bodies must be valid JSON",
    applies=_takes_json,
)
def malformed_json_rejected(ctx: Context) -> Iterator[Fail]:
    assert ctx.example is not None
    request = inert(ctx, ctx.example) or ctx.example  # it has a body, so an inert form exists
    exchange = ctx.client.send(
        ctx.operation.label,
        ctx.operation.method,
        request,
        headers={"Content-Type": ctx.profile.content_type},
        raw_body=b'{"name": ',
        purpose="malformed JSON body",
        inert=request is not ctx.example,
    )
    if not 400 <= (answered(exchange).status or 0) < 500:
        yield Fail(
            f"a body that is not JSON got {_outcome(exchange)}, not a 4xx "
            f"(the doc says {ctx.profile.malformed_json_status})",
            f"status:{exchange.status}",
            exchange,
        )


@check(
    "content_type_enforced",
    kind="probe",
    severity="medium",
    problem="Non-JSON Content-Type is accepted",
    summary="POST/PUT with a non-JSON Content-Type answers a 4xx",
    doc="restful_api 'Request Format': All POST and PUT requests must use Content-Type: application/json",
    applies=_writes_json,
)
def content_type_enforced(ctx: Context) -> Iterator[Fail]:
    assert ctx.example is not None
    body = json.dumps(ctx.example.json_body if ctx.example.json_body is not None else {}).encode()
    exchange = ctx.client.send(
        ctx.operation.label,
        ctx.operation.method,
        ctx.example,
        headers={"Content-Type": "text/plain"},
        raw_body=body,
        purpose="JSON body sent as text/plain",
    )
    if not 400 <= (answered(exchange).status or 0) < 500:
        yield Fail(
            f"a body sent as text/plain got {_outcome(exchange)}, not a 4xx",
            f"status:{exchange.status}",
            exchange,
        )
