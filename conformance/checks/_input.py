"""Which of a negative case's violations an answer is held to: not a credential the run sent anyway, not a null
optional body (Go binds it to the zero value), not a wrong JSON type in a form (every field of a form is text)."""

from __future__ import annotations

from conformance.checks._model import Context, Exchange
from conformance.checks._schemathesis import Violation, negative_violations


def held(ctx: Context, exchange: Exchange) -> tuple[Violation, ...]:
    """The violations of a negative case the answer is held to."""
    violations = negative_violations(ctx.schemathesis_case) or ()
    return tuple(
        v
        for v in violations
        if not _credential(ctx, v) and not _null_optional_body(ctx, exchange, v) and not _typeless(exchange, v)
    )


def _typeless(exchange: Exchange, violation: Violation) -> bool:
    """A wrong JSON type in a body sent as a form (multipart, urlencoded): on the wire every field of a form is text,
    so the type the schema broke never reached the target, and accepting it is no invalid input accepted."""
    return violation.location == "body" and violation.keyword == "type" and exchange.request_media_type in _FORMS


_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _null_optional_body(ctx: Context, exchange: Exchange, violation: Violation) -> bool:
    """A JSON `null` as the whole of an optional body: Go's encoding/json binds it to the zero value, as no body at
    all (LIVE-SERVER.md), so accepting it is accepting an empty request, not invalid input."""
    return (
        violation.location == "body"
        and not violation.field
        and (exchange.request_body or b"").strip() == b"null"
        and not ctx.operation.body_required(ctx.spec.document)
    )


def _credential(ctx: Context, violation: Violation) -> bool:
    """A violation in a credential's channel (a declared security header left out): the run sends its own
    credentials on every generated case, so the request that went out did not carry it."""
    return any(
        m.location == violation.location and m.name.lower() == violation.field.lower()
        for m in ctx.profile.auth_mechanisms
    ) or (violation.location == "header" and violation.field.lower() in ("authorization", "cookie"))
