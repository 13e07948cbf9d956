"""Media types as the checks read them: which are JSON, and which name a cause of their own."""

from __future__ import annotations

from conformance.checks._model import Context, Exchange
from conformance.checks._registry import ProblemKind, default_grouping
from conformance.openapi import json_media

_COMMON_MEDIA = frozenset(
    {
        "text/html", "text/plain", "text/xml", "text/csv", "text/javascript", "application/xml",
        "application/octet-stream", "application/x-www-form-urlencoded", "application/javascript",
        "application/pdf", "multipart/form-data", "image/png", "image/jpeg", "image/svg+xml",
    }
)  # fmt: skip
_TOP_LEVEL = frozenset({"text", "application", "image", "audio", "video", "multipart", "message", "font", "model"})


def media_key(media_type: str) -> str:
    """A media type as part of a finding's key: a common one as itself (text/html is its own cause); any other as
    its registered top-level type ("text/other"), or "other": a target cannot make one problem per request, nor
    put its own words (a URL GitHub would link) into a problem's title."""
    if media_type in _COMMON_MEDIA or media_type == "no Content-Type":
        return media_type
    top = media_type.split("/", 1)[0]
    return f"{top}/other" if top in _TOP_LEVEL and "/" in media_type else "other"


def media_kind(key: str, status: int | None) -> ProblemKind:
    """A media type in words: "served as text/html", "no Content-Type"."""
    media = key.removeprefix("content-type:")
    if media == key:
        return default_grouping(key, status)
    return ProblemKind(key, media if media == "no Content-Type" else f"served as {media}")


def declares_non_json(ctx: Context, status: int) -> bool:
    """An operation may document a non-JSON body (a file download); then that body is not a violation."""
    content = (ctx.operation.declared_response(ctx.spec.document, status) or {}).get("content") or {}
    return bool(content) and not any(json_media(media.lower()) for media in content)


def bare_as_documented(ctx: Context, exchange: Exchange) -> bool:
    """An empty answer where the profile's docs say that status comes bare (auth_overview-2026-08-22: the /auth
    handlers' 400 is "a bare HTTP status code with an empty response body"): no JSON, no envelope, as documented."""
    return not exchange.response_body and ctx.profile.bare_error(ctx.operation.path, exchange.status)


def empty_as_declared(ctx: Context, exchange: Exchange) -> bool:
    """An empty answer on a status the spec declares without a body (DELETE /calls/{id}/hold: 200, no content),
    where the docs say every response is JSON: the spec's operation wins, as for its lists, and the run notes the
    conflict instead of a finding either way."""
    if exchange.response_body or exchange.status is None:
        return False
    declared = ctx.operation.declared_response(ctx.spec.document, exchange.status)
    if declared is None or declared.get("content"):
        return False
    ctx.client.note(
        f"spec conflict: {exchange.status} declared without a body where the docs say every response is JSON (every "
        "error the envelope); an empty answer follows the spec here"
    )
    return True
