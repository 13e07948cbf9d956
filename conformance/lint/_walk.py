"""How lint walks a schema: declared properties (allOf merged), a list's items, a mapping's entries, every field."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.lint._registry import Op
from conformance.lint._source import View

MAX_DEPTH = 40  # schema nesting followed


def properties(schema: View | None, depth: int = 0) -> dict[str, View]:
    """A schema's declared properties, its allOf branches merged (as openapi.shape.properties reads them)."""
    if schema is None or depth > MAX_DEPTH or not isinstance(schema.resolved().value, dict):
        return {}
    merged: dict[str, View] = {}
    for branch in elements(schema, "allOf"):
        merged.update(properties(branch, depth + 1))
    merged.update(members(schema, "properties"))
    return merged


def elements(node: View, key: str) -> list[View]:
    """The items of the list `node[key]` (none where it is missing or no list)."""
    found = node.get(key)
    return list(found.elements()) if found is not None else []


def members(node: View, key: str) -> dict[str, View]:
    """The entries of the mapping `node[key]` (none where it is missing or no mapping)."""
    found = node.get(key)
    return dict(found.items()) if found is not None else {}


def json_schema(response: View) -> View | None:
    content = response.get("content")
    if content is None:
        return None
    media = content.get("application/json") or next((v for _, v in content.items()), None)
    return media.get("schema") if media is not None else None


def success(op: Op) -> tuple[str, View] | None:
    ordered = sorted(op.responses(), key=lambda item: item[0])  # `200:` and `'200':` may both be keys
    return next(((code, view) for code, view in ordered if code.startswith("2")), None)


def fields(schema: View | None, seen: set[tuple[str, str]], depth: int = 0) -> Iterator[tuple[str, View]]:
    """Every (name, property) a schema declares, nested objects, arrays and compositions followed; each node once
    (`seen`: a shared schema is walked once per lint, so its defect is found once)."""
    if schema is None or depth > MAX_DEPTH:
        return
    node = schema.resolved()
    if (str(node.path), node.pointer) in seen or not isinstance(node.value, dict):
        return
    seen.add((str(node.path), node.pointer))
    for name, prop in members(node, "properties").items():
        yield name, prop
        yield from fields(prop, seen, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in elements(node, key):
            yield from fields(branch, seen, depth + 1)
    yield from fields(node.get("items"), seen, depth + 1)
    extra = node.get("additionalProperties")
    yield from fields(extra if extra is not None and isinstance(extra.value, dict) else None, seen, depth + 1)
