"""How response findings group into problems: an envelope or a response schema broken, in words, and where the
same cause is another check's (an id's format is id_format's, a list's envelope list_envelope's)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from conformance.checks._registry import ProblemKind, default_grouping


def envelope_kind(key: str, status: int | None) -> ProblemKind:
    """An envelope broken, in words: which field is missing or of the wrong type, where."""
    if not key.startswith(("schema:", "status-map:")):
        return default_grouping(key, status)
    if key.startswith("status-map:"):  # the body's canonical status against the HTTP status it came with
        _, canonical, status_text = key.split(":", 2)
        return ProblemKind(key, f"error.status {canonical} on a {status_text}")
    where, keyword, *_ = key.removeprefix("schema:").split(":")
    if keyword == "required":  # whichever field it lacks (the findings name it), the envelope is not there
        return ProblemKind(f"schema:{where}:required", f"{where} lacks a required field")
    if keyword == "type":
        return ProblemKind(key, f"{where} has the wrong type")
    return ProblemKind(key, f"{where} breaks `{keyword}`")


def error_envelope_kind(key: str, status: int | None) -> ProblemKind:
    """An error body outside the envelope on an answer whose status is itself undocumented there (a framework's 422
    in problem+json): one cause, the answer is not the API's, status_code's problem for that status on that
    operation; on a documented status (or alone) the envelope's own problem."""
    if key == "not-json":
        return ProblemKind(key, "the body is not JSON", caused_by=("json_response", None))
    kind = envelope_kind(key, status)
    return replace(kind, caused_by=("status_code", f"status:{status}")) if status is not None else kind


def schema_kind(key: str) -> ProblemKind:
    """A response-schema violation in words (the field, the keyword; no bundler internals), and where it is the
    same cause as a resource check's (an id or a timestamp not in its format), that check's consequence."""
    from conformance.checks._schemathesis import field_of

    if not key.startswith("schema:"):
        return ProblemKind(key, words(key))
    pointer, _, named = key.removeprefix("schema:").partition("#")
    parts = pointer.strip("/").split("/")
    keyword = parts[-1]
    start = next((i for i, part in enumerate(parts) if part in ("properties", "items")), len(parts) - 1)
    name = field_of("/" + "/".join(parts[start:])) or named or "the body"
    field = name.rsplit(".", 1)[-1].removesuffix("[]")
    if keyword == "not" and len(parts) > 2 and parts[-3] == "properties":
        # `secret: {not: {}}`: a field the spec says an answer never carries; which of them shows it is one cause
        return ProblemKind("not:property", "an answer carries a field the spec says it never returns")
    cause: tuple[str, str | None] | None = None
    if keyword in ("format", "pattern") and field == "id":
        cause = ("id_format", None)
    elif keyword in ("format", "pattern") and field.startswith("tm_"):
        cause = ("timestamp_format", None)
    elif name in _envelope_fields() or (name == "the body" and keyword in ("required", "type")):
        # the list envelope broken (a bare array is the body's `type`): list_envelope's, where it saw it too
        cause = ("list_envelope", None)
    # The field by its own name: an item's customer_id and a list's result[].customer_id are one cause.
    return ProblemKind(f"{keyword}:{field}", f"{field} breaks `{keyword}`", caused_by=cause)


@cache
def _envelope_fields() -> frozenset[str]:
    """The list envelope's own fields (result, next_page_token), as schemas/list-envelope.schema.json names them."""
    import json

    from conformance.data import schemas_dir

    schema = json.loads((schemas_dir() / "list-envelope.schema.json").read_text())
    return frozenset(schema.get("properties") or ())


def words(key: str) -> str:
    """A finding's key in words: dashes, underscores and colons as spaces."""
    return " ".join(key.replace("-", " ").replace("_", " ").split(":")).strip()
