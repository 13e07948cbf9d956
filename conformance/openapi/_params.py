"""Query and path parameters as a Go (gin) server reads them: strings coerced by the parameter's schema, and of a
repeated scalar parameter only the first value (`url.Values.Get`, gin's `c.Query`)."""

from __future__ import annotations

import re
from typing import Any

INVALID = object()  # a value the schema's type cannot be read from


def coerce(raw: list[str], schema: dict[str, Any]) -> Any:
    """The value a server reads from the raw query values: arrays take every value (or a comma list), scalars
    the first."""
    kind = schema.get("type")
    if kind == "array":
        items = [part for value in raw for part in value.split(",")] if len(raw) == 1 else raw
        inner = schema.get("items") or {}
        converted = [coerce([item], inner) for item in items]
        return INVALID if INVALID in converted else converted
    value = raw[0]
    try:
        if kind == "integer":
            return int(value) if re.fullmatch(r"-?\d+", value) else INVALID
        if kind == "number":
            return float(value)
        if kind == "boolean":
            return {"true": True, "false": False}.get(value, INVALID)
    except ValueError:
        return INVALID
    return value
