"""OpenAPI schemas as JSON Schema validators, for checking requests and the mock's own bodies.

OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 with `nullable`; 3.1 schemas are JSON Schema 2020-12.
The formats enforced are those schemathesis enforces on responses (uuid, date-time, date, email, ip, uri).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import jsonschema_rs

FORMATS = jsonschema.FormatChecker(formats=("ipv4", "ipv6", "date"))
# What the suite reads an answer's formats with (schemathesis validates responses with jsonschema-rs): a value the
# mock takes, stores and answers back must pass there too, or the conformant mock fails its own run (an "email" of
# control characters around an @, a date-time without its offset, a "uri" of h:>).
_ANSWER_FORMATS = {
    name: jsonschema_rs.validator_for({"format": name}, validate_formats=True) for name in ("email", "uri", "date-time")
}


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_ANSWER_FORMATS["email"].is_valid(value))


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    uuid.UUID(value)
    return len(value) == 36


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and bool(_ANSWER_FORMATS["uri"].is_valid(value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return "T" in value.upper() and parsed.tzinfo is not None and bool(_ANSWER_FORMATS["date-time"].is_valid(value))


def to_json_schema(node: Any, *, openapi30: bool) -> Any:
    """Rewrite `nullable` (3.0) into JSON Schema; drop keywords that only document."""
    if isinstance(node, list):
        return [to_json_schema(item, openapi30=openapi30) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: to_json_schema(value, openapi30=openapi30)
        for key, value in node.items()
        if key not in ("example", "examples", "xml", "externalDocs", "discriminator") and not key.startswith("x-")
    }
    if openapi30 and out.pop("nullable", False) is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


class Validators:
    """Cached validators over one bundled document (refs resolve against its converted `components`)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._openapi30 = str(document.get("openapi", "3.0")).startswith("3.0")
        self._components = to_json_schema(document.get("components") or {}, openapi30=self._openapi30)
        self._cls = jsonschema.Draft4Validator if self._openapi30 else jsonschema.Draft202012Validator
        self._cache: dict[int, Any] = {}
        self._keep: list[Any] = []  # keeps id()s of cached schemas unique

    def for_schema(self, schema: dict[str, Any]) -> Any:
        key = id(schema)
        validator = self._cache.get(key)
        if validator is None:
            converted = to_json_schema(schema, openapi30=self._openapi30)
            if isinstance(converted, dict):
                converted = {**converted, "components": self._components}
            validator = self._cls(converted, format_checker=FORMATS)
            self._cache[key] = validator
            self._keep.append(schema)
        return validator

    def first_error(self, schema: dict[str, Any], instance: Any) -> str | None:
        try:
            error = next(iter(self.for_schema(schema).iter_errors(instance)), None)
        except RecursionError:  # a schema that only refers to itself constrains nothing: accept, never a 500
            return None
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        return f"{where or 'body'}: {error.message[:200]}"

    def is_valid(self, schema: dict[str, Any], instance: Any) -> bool:
        try:
            return bool(self.for_schema(schema).is_valid(instance))
        except RecursionError:
            return True
