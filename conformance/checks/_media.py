"""Media types as the checks read them: which are JSON, and which name a cause of their own."""

from __future__ import annotations

from conformance.checks._registry import ProblemKind, default_grouping


def json_media(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


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
