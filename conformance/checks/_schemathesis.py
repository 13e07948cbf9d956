"""The one place the checks touch schemathesis: its response-schema validation and its negative-case metadata."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.checks._model import Exchange, excerpt

# Array items (all arrays of one answer together) that schema validation sees. schemathesis' validator collects
# every error of an answer before the first is read, 50 µs each: {"result": [0, … 400,000 items]} (1.2 MB) took
# 125 s and 1.4 GB to judge. An answer with more is judged on its arrays' first items: the same kinds of errors,
# found among the first ones.
MAX_VALIDATED_ITEMS = 1000
# What a cut array could break that the whole one does not (it is shorter, and may lack the item that matched).
_CUT_KEYWORDS = ("minItems", "contains", "minContains")


def bounded(data: Any, budget: int = MAX_VALIDATED_ITEMS) -> tuple[Any, bool]:
    """`data` with its arrays cut (in document order, each keeping at least its first item) so that all of them hold
    at most `budget` items; and whether anything was cut. Objects are kept whole: a key left out would be a
    `required` error the answer does not have."""
    left, cut = [budget], [False]

    def copy(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: copy(item) for key, item in value.items()}
        if isinstance(value, list):
            keep = max(1, min(len(value), left[0]))
            left[0] -= keep
            cut[0] |= keep < len(value)
            return [copy(item) for item in value[:keep]]
        return value

    if _items(data) <= budget:
        return data, False
    return copy(data), cut[0]


def _items(data: Any) -> int:
    """How many array items `data` holds in all, counted without recursion (a body is at most MAX_JSON_DEPTH)."""
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            count += len(value)
            stack.extend(v for v in value if isinstance(v, dict | list))
        elif isinstance(value, dict):
            stack.extend(v for v in value.values() if isinstance(v, dict | list))
    return count


def _response(exchange: Exchange, content: bytes) -> Any:
    import requests
    from schemathesis import Response

    prepared = requests.Request(exchange.method, exchange.url).prepare()
    headers = {name: [value] for name, value in exchange.response_headers.items()}
    return Response(
        status_code=exchange.status or 0,
        headers=headers,
        content=content,
        request=prepared,
        elapsed=exchange.elapsed,
        verify=True,
    )


def validate_response(operation: Any, exchange: Exchange) -> Iterator[tuple[str, str]]:
    """(stable key, message) for each way the body breaks the operation's documented response schema."""
    from schemathesis.core.failures import Failure, FailureGroup

    failures: list[Failure] = []
    content, cut = _content(exchange)
    try:
        operation.validate_response(_response(exchange, content))
    except FailureGroup as group:
        failures = list(group.exceptions)
    except Failure as single:
        failures = [single]
    for failure in failures:
        schema_path = getattr(failure, "schema_path", None)
        if cut and schema_path and str(schema_path[-1]) in _CUT_KEYWORDS:
            continue
        instance_path = getattr(failure, "instance_path", None)
        if schema_path is not None:
            where = "/".join(str(p) for p in instance_path or []) or "body"
            raw = getattr(failure, "_raw_message", "") or failure.title
            pointer = "/".join(map(str, schema_path))
            # Where the schema path does not name the field (a bundled `$ref` schema of its own: an id's format),
            # the answer's path does, without its indices: result[].id, the same whatever the seed drew.
            named = "" if field_of(pointer) else _instance_field(instance_path or [])
            yield f"schema:{pointer}" + (f"#{named}" if named else ""), f"{where}: {excerpt(raw)}"
        else:
            yield f"{type(failure).__name__}", f"{failure.title}: {excerpt(failure.message or '')}"


def _content(exchange: Exchange) -> tuple[bytes, bool]:
    """The body schemathesis validates: the answer's, or (an answer with too many array items) one with its arrays
    cut, and whether they were."""
    import json

    body = exchange.response_body
    if len(body) < 2 * MAX_VALIDATED_ITEMS or not isinstance(exchange.json, dict | list):
        return body, False
    data, cut = bounded(exchange.json)
    return (json.dumps(data).encode() if cut else body), cut


_SCENARIO_KEYWORDS = {
    "value_above_maximum": "maximum",
    "value_below_minimum": "minimum",
    "string_above_max_length": "maxLength",
    "string_below_min_length": "minLength",
    "array_above_max_items": "maxItems",
    "array_below_min_items": "minItems",
    "object_above_max_properties": "maxProperties",
    "object_below_min_properties": "minProperties",
    "object_unexpected_properties": "additionalProperties",
    "object_missing_required_property": "required",
    "object_invalid_property_name": "propertyNames",
    "incorrect_type": "type",
    "invalid_enum_value": "enum",
    "invalid_format": "format",
    "invalid_pattern": "pattern",
    "not_multiple_of": "multipleOf",
    "non_unique_items": "uniqueItems",
    "missing_parameter": "required",
    "duplicate_parameter": "duplicate",
}
# Keywords that may close a schema pointer: /properties/name/maxLength addresses the field `name`.
_REQUIRED_PREFIX = "Missing required property: "


@dataclass(frozen=True)
class Violation:
    """One way a negative case breaks the schema, named by what it breaks and where, never by the values drawn:
    the same violation has the same key whatever the seed."""

    keyword: str  # the JSON Schema keyword broken: maxLength, type, required, format, ... or "syntax"
    location: str  # body, query, path, header, cookie
    field: str  # "destinations[].name", "page_size"; "" for the whole body

    @property
    def key(self) -> str:
        return f"{self.keyword}:{self.location}:{self.field}"

    def describe(self) -> str:
        where = f"{self.location} {self.field}".strip() if self.field else f"the {self.location}"
        return f"{keyword_phrase(self.keyword)} ({where})"


KEYWORD_PHRASES = {
    "maxLength": "a string longer than its maxLength",
    "minLength": "a string shorter than its minLength",
    "maximum": "a number above its maximum",
    "exclusiveMaximum": "a number above its maximum",
    "minimum": "a number below its minimum",
    "exclusiveMinimum": "a number below its minimum",
    "maxItems": "an array longer than its maxItems",
    "minItems": "an array shorter than its minItems",
    "maxProperties": "an object with more properties than allowed",
    "minProperties": "an object with fewer properties than required",
    "required": "a required field or parameter left out",
    "type": "a value of the wrong JSON type",
    "enum": "a value outside its enum",
    "const": "a value other than its const",
    "format": "a value not in its format (uuid, date-time, email…)",
    "pattern": "a string not matching its pattern",
    "multipleOf": "a number that is not a multiple of its multipleOf",
    "uniqueItems": "an array with repeated items",
    "propertyNames": "an object with a property name not allowed",
    "additionalProperties": "an object with a property not declared",
    "duplicate": "a parameter sent twice",
    "syntax": "a body that is not JSON at all",
}


def keyword_phrase(keyword: str) -> str:
    return KEYWORD_PHRASES.get(keyword, f"a value that breaks `{keyword}`")


def _instance_field(path: list[Any]) -> str:
    """result/0/id -> result[].id."""
    text = ""
    for part in path:
        text += "[]" if isinstance(part, int) or str(part).isdigit() else (f".{part}" if text else str(part))
    return text


def field_of(pointer: str | None) -> str:
    """The field a schema pointer addresses, in words a reader knows: /properties/destinations/items/$ref/
    schema000003/properties/name/maxLength -> destinations[].name (no bundler internals, no keyword)."""
    parts = [p for p in (pointer or "").split("/") if p]
    names: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part == "properties" and index + 1 < len(parts):
            names.append(parts[index + 1])
            index += 2
        elif part == "items":
            names.append("[]")
            index += 1
        elif part in ("$ref", "allOf", "anyOf", "oneOf") and index + 1 < len(parts):
            index += 2  # a bundled schema's name or a branch number: where the spec keeps it, not the field
        else:
            break  # the keyword the pointer ends with
    return ".".join(names).replace(".[]", "[]")


def _location(value: Any) -> str:
    return str(getattr(value, "value", value) or "body")


def negative_violations(case: Any) -> tuple[Violation, ...] | None:
    """How a generated negative case breaks the schema, or None when it is not negative or breaks only what APIs
    may ignore (an unknown query parameter, header or cookie)."""
    if case is None or case.meta is None:
        return None
    from schemathesis import GenerationMode

    if case.meta.generation.mode != GenerationMode.NEGATIVE:
        return None
    data = case.meta.phase.data
    scenario = getattr(data, "scenario", None)
    found = _from_coverage(data, scenario) if scenario is not None else _from_mutations(data)
    return found or None


def _from_coverage(data: Any, scenario: Any) -> tuple[Violation, ...]:
    keyword = _SCENARIO_KEYWORDS.get(getattr(scenario, "value", str(scenario)))
    location = _location(data.parameter_location)
    if keyword is None or (keyword == "additionalProperties" and location != "body"):
        return ()  # a request-shape probe, or an unknown parameter: nothing the docs promise a 400 for
    if location == "body":
        field = field_of(data.location)
        description = data.description or ""
        if keyword == "required" and _REQUIRED_PREFIX in description:
            name = description.rsplit(_REQUIRED_PREFIX, 1)[1].strip()
            field = f"{field}.{name}" if field else name
        return (Violation(keyword, location, field),)
    return (Violation(keyword, location, str(data.parameter or "")),)


def _from_mutations(data: Any) -> tuple[Violation, ...]:
    found: list[Violation] = []
    for mutation in getattr(data, "mutations", ()) or ():
        if _ignorable(mutation):
            continue
        location = _location(mutation.parameter_location)
        operator = getattr(mutation.operator, "value", mutation.operator)
        if operator == "syntax_fuzzing":
            found.append(Violation("syntax", location, ""))
            continue
        field = field_of(mutation.schema_pointer) if location == "body" else str(mutation.parameter or "")
        if location != "body" and not field:
            field = field_of(mutation.schema_pointer)
        name = str(mutation.parameter or "")
        for raw in mutation.keywords or ("schema",):
            keyword = str(raw).split(":")[0]  # "format:uuid": the keyword is format
            if keyword == "required" and name and not name.isdigit() and not field.endswith(name):
                field = f"{field}.{name}" if field else name  # the property left out (a digit is an item index)
            found.append(Violation(keyword, location, field))
    # No mutation recorded: schemathesis relabels a case negative when a value the run put in (a known id in a
    # path) breaks the schema; the run did not make that violation, so nothing is held against the answer.
    return tuple(dict.fromkeys(found))


def _ignorable(mutation: Any) -> bool:
    """An unknown query parameter, header or cookie: APIs ignore those, and the docs do not promise a 400."""
    location = getattr(getattr(mutation, "parameter_location", None), "value", None)
    keywords = getattr(mutation, "keywords", ()) or ()
    return location in ("query", "header", "cookie") and "additionalProperties" in keywords
