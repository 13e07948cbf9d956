"""Is it the spec or the server? Each finding says which one to fix, read from the operation's own declaration:

- `server`: the spec promises the convention (it declares the status, the schema, the parameter) and the server
  broke it — fix the server;
- `spec`: the spec itself documents what the server did (a body it declares without JSON, a schema that is not the
  envelope) — fix the spec;
- `silent`: the spec says nothing of it (a status it does not declare, a route it cannot have) — the docs and the
  live server decide, and either may need the fix.

The rules are keyed by check id here, beside the checks, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.checks._model import Context, Fail
from conformance.checks.resources import declared_fields
from conformance.openapi import properties, resolve

SERVER, SPEC, SILENT = "server", "spec", "silent"


@dataclass(frozen=True)
class Attribution:
    by: str  # server | spec | silent
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"by": self.by, "why": self.why}


def attribute(check: str, ctx: Context, fail: Fail) -> Attribution:
    status = fail.exchange.status if fail.exchange is not None else None
    return _RULES.get(check, _always_server)(ctx, status)


def _response(ctx: Context, status: int | None) -> dict[str, Any] | None:
    """What the operation declares for `status`: its own code, else its class (4XX), else `default`."""
    if status is None:
        return None
    exact = ctx.operation.declared_response(ctx.spec.document, status)
    if exact is not None:
        return exact
    responses = ctx.operation.definition.get("responses") or {}
    raw = next((responses[k] for k in (f"{status // 100}XX", f"{status // 100}xx", "default") if k in responses), None)
    found = resolve(ctx.spec.document, raw) if raw is not None else None
    return found if isinstance(found, dict) else None


def _media(response: dict[str, Any]) -> dict[str, Any]:
    content = response.get("content")
    return content if isinstance(content, dict) else {}


def _declares(*wanted: int) -> Callable[[Context, int | None], Attribution]:
    """A refusal the docs promise: the spec promises it too where the operation declares one of those statuses."""

    def rule(ctx: Context, status: int | None) -> Attribution:
        declared = [code for code in wanted if _response(ctx, code) is not None]
        words = " or ".join(map(str, wanted))
        if declared:
            return Attribution(SERVER, f"the spec declares {declared[0]} for {ctx.operation.label}")
        return Attribution(SILENT, f"the spec declares no {words} for {ctx.operation.label}")

    return rule


def _status_code(ctx: Context, status: int | None) -> Attribution:
    return Attribution(SILENT, f"the spec declares no {status} for {ctx.operation.label}; nor do the profile's docs")


def _json(ctx: Context, status: int | None) -> Attribution:
    response = _response(ctx, status)
    if response is None:
        return Attribution(SILENT, f"the spec declares no {status} for {ctx.operation.label}")
    media = _media(response)
    if not media:
        return Attribution(SPEC, f"the spec declares {status} without a body, where the docs say every answer is JSON")
    if any("json" in name.lower() for name in media):
        return Attribution(SERVER, f"the spec declares JSON for {status}")
    return Attribution(SPEC, f"the spec declares {status} as {', '.join(sorted(media))}")


def _envelope(ctx: Context, status: int | None) -> Attribution:
    response = _response(ctx, status)
    if response is None:
        return Attribution(SILENT, f"the spec declares no {status} for {ctx.operation.label}")
    schemas = [resolve(ctx.spec.document, m.get("schema")) for m in _media(response).values() if isinstance(m, dict)]
    fields = {name for schema in schemas for name in properties(ctx.spec.document, schema)}
    if not schemas or not fields:
        return Attribution(SILENT, f"the spec declares {status} with no body schema")
    envelope: Any = ctx.profile.error_validator.schema
    required = set(envelope.get("required") or ()) if isinstance(envelope, dict) else set()
    if required <= fields:
        return Attribution(SERVER, f"the spec declares the error envelope for {status}")
    return Attribution(
        SPEC, f"the spec's {status} schema is not the error envelope (it has {', '.join(sorted(fields))})"
    )


def _list(ctx: Context, status: int | None) -> Attribution:
    schema = resolve(ctx.spec.document, ctx.operation.success_schema(ctx.spec.document))
    fields = set(properties(ctx.spec.document, schema))
    if ctx.profile.result_field in fields and ctx.profile.next_token_field in fields:
        return Attribution(SERVER, "the spec declares the list envelope for this list")
    return Attribution(SPEC, "the spec's list answer is not the list envelope")


def _format(ctx: Context, field: Callable[[str], bool], what: str) -> Attribution:
    """The spec promises a format where the answer's schema declares one for the field; else only the docs do."""
    formats = {name: schema.get("format") for name, schema in declared_fields(ctx).items() if field(name)}
    named = sorted(name for name, value in formats.items() if value)
    if named:
        return Attribution(SERVER, f"the spec declares a format for {', '.join(named)}")
    return Attribution(SILENT, f"the spec declares no format for these fields; the docs say {what}")


def _pages(ctx: Context, status: int | None) -> Attribution:
    if ctx.profile.page_token_param in ctx.operation.parameter_names(ctx.spec.document):
        return Attribution(SERVER, f"the spec declares {ctx.profile.page_token_param} for this list")
    return Attribution(SILENT, f"the spec declares no {ctx.profile.page_token_param} for this list")


def _server_error(ctx: Context, status: int | None) -> Attribution:
    if not ctx.operation.definition.get("responses"):  # Prism's 500 NO_RESPONSE_RESPONSE_DEFINED (GET /ws)
        return Attribution(SPEC, f"the spec declares no response at all for {ctx.operation.label}")
    return Attribution(SERVER, "a 5xx or a silence is the server's")


def _semantics(ctx: Context, status: int | None) -> Attribution:
    """HTTP's own rules; but a redirect the spec declares without a Location header is the spec's to fix too."""
    response = _response(ctx, status) if status is not None and 300 <= status < 400 else None
    headers = {str(name).lower() for name in (response or {}).get("headers") or {}}
    if response is not None and "location" not in headers:
        return Attribution(SPEC, f"the spec declares {status} with no Location header")
    return Attribution(SERVER, "HTTP's own rule (RFC 9110): no spec can change it")


def _sentinel(ctx: Context, status: int | None) -> Attribution:
    """The spec promises the live sentinel only where the field's schema says it (its example, default or words)."""
    field = declared_fields(ctx).get(ctx.profile.soft_delete_field) or {}
    said = " ".join(str(field.get(key, "")) for key in ("example", "default", "description", "enum"))
    if ctx.profile.live_sentinel and any(value[:4] in said for value in ctx.profile.live_sentinel):
        return Attribution(SERVER, f"the spec declares the live {ctx.profile.soft_delete_field} sentinel")
    return Attribution(
        SILENT, f"the spec does not promise the sentinel for {ctx.profile.soft_delete_field}; the docs do"
    )


def _no_route(ctx: Context, status: int | None) -> Attribution:
    return Attribution(SILENT, "a spec cannot describe what it does not serve: the docs and the live server decide")


def _always_server(ctx: Context, status: int | None) -> Attribution:
    return Attribution(SERVER, "the spec (its schemas, its operations) or HTTP itself promises it; the server broke it")


_RULES: dict[str, Callable[[Context, int | None], Attribution]] = {
    "auth_missing_rejected": _declares(401),
    "auth_invalid_rejected": _declares(401),
    "auth_accepted": _always_server,
    "json_response": _json,
    "error_envelope": _envelope,
    "list_envelope": _list,
    "status_code": _status_code,
    "id_format": lambda ctx, status: _format(ctx, lambda name: name == ctx.profile.id_field, "a UUID"),
    "timestamp_format": lambda ctx, status: _format(
        ctx, lambda name: name.startswith(ctx.profile.timestamp_prefix), "the documented timestamp format"
    ),
    "unknown_resource_404": _declares(404),
    "malformed_id_rejected": _declares(400),
    "malformed_json_rejected": _declares(400),
    "content_type_enforced": _declares(400, 415),
    "pagination": _pages,
    "unknown_route_envelope": _no_route,
    "server_error": _server_error,
    "http_semantics": _semantics,
    "live_delete_sentinel": _sentinel,
    "unserved_method": _no_route,
}
