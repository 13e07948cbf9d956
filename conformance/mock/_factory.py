"""Objects generated from response schemas: valid against them, VoIPBIN-flavoured, deterministic per seed.

Ids are UUIDs, `tm_*` fields are VoIPBIN timestamps (`YYYY-MM-DD HH:MM:SS.micro`), enums are respected.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from conformance.openapi import resolve

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_EPOCH = datetime(2026, 1, 15, 0, 0, 0, tzinfo=UTC)
_MAX_DEPTH = 6


def timestamp(offset_ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=offset_ms)).strftime(TIMESTAMP_FORMAT)


def iso_timestamp(offset_ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=offset_ms)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@cache
def _regex_example(pattern: str) -> str | None:
    """A string matching `pattern`, found by hypothesis deterministically (patterns are rare in VoIPBIN specs)."""
    try:
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st

        return str(
            find(
                st.from_regex(pattern, fullmatch=True),
                lambda _: True,
                settings=settings(database=None, derandomize=True, suppress_health_check=list(HealthCheck)),
            )
        )
    except Exception:
        return None


class Factory:
    def __init__(self, document: dict[str, Any], rng: random.Random) -> None:
        self.document = document
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def generate(self, schema: Any, name: str = "", depth: int = 0) -> Any:
        schema = resolve(self.document, schema)
        if not isinstance(schema, dict):
            return self._by_name(name)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.rng.choice([v for v in schema["enum"] if v is not None] or [None])
        if "allOf" in schema:
            return self._all_of(schema, name, depth)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self.generate(schema[key][0], name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "array" if "items" in schema else None
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind in ("integer", "number"):
            number = self._number(schema, integer=kind == "integer")
            return number if kind == "integer" else float(number)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema, name) if kind == "string" else self._by_name(name)

    def _all_of(self, schema: dict[str, Any], name: str, depth: int) -> Any:
        merged: dict[str, Any] = {}
        for branch in schema["allOf"]:
            value = self.generate(branch, name, depth + 1)
            if not isinstance(value, dict):
                return value
            merged.update(value)
        if schema.get("properties"):
            merged.update(self._object(schema, depth))
        return merged

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        if depth >= _MAX_DEPTH:
            return []
        low = int(schema.get("minItems", 0))
        high = max(low, min(int(schema.get("maxItems", 2)), 2))
        items = [self.generate(schema.get("items", {}), name, depth + 1) for _ in range(self.rng.randint(low, high))]
        if not schema.get("uniqueItems"):
            return items
        unique: list[Any] = []
        for item in items:
            if item not in unique:
                unique.append(item)
        return unique

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        # writeOnly properties (passwords, secrets) never appear in a response.
        props = {
            k: v
            for k, v in (schema.get("properties") or {}).items()
            if not (resolve(self.document, v) or {}).get("writeOnly")
        }
        required = set(schema.get("required") or [])
        if depth >= _MAX_DEPTH:
            props = {k: v for k, v in props.items() if k in required}
        return {key: self.generate(sub, key, depth + 1) for key, sub in props.items()}

    def _number(self, schema: dict[str, Any], *, integer: bool) -> int:
        low = schema.get("minimum", 0 if "maximum" not in schema or schema["maximum"] >= 0 else schema["maximum"] - 100)
        high = schema.get("maximum", max(low, 0) + 100)
        if schema.get("exclusiveMinimum") is True:
            low += 1
        elif isinstance(schema.get("exclusiveMinimum"), int | float) and not isinstance(
            schema["exclusiveMinimum"], bool
        ):
            low = schema["exclusiveMinimum"] + 1
        if schema.get("exclusiveMaximum") is True:
            high -= 1
        elif isinstance(schema.get("exclusiveMaximum"), int | float) and not isinstance(
            schema["exclusiveMaximum"], bool
        ):
            high = schema["exclusiveMaximum"] - 1
        low, high = int(low), int(high)
        value = self.rng.randint(low, max(low, min(high, low + 1000)))
        multiple = schema.get("multipleOf")
        if integer and isinstance(multiple, int) and multiple > 0:
            value = max(low, value - value % multiple)
        return value

    def _string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return self.uuid()
        if fmt == "date-time":
            return (_EPOCH - timedelta(seconds=self.rng.randint(0, 10**6))).isoformat().replace("+00:00", "Z")
        if fmt == "date":
            return (_EPOCH - timedelta(days=self.rng.randint(0, 900))).date().isoformat()
        if fmt == "email":
            return f"user{self.rng.randint(1, 9999)}@example.com"
        if fmt == "ipv4":
            return f"192.0.2.{self.rng.randint(1, 254)}"
        if fmt == "ipv6":
            return f"2001:db8::{self.rng.randint(1, 65535):x}"
        if fmt in ("hostname", "idn-hostname"):
            return f"host{self.rng.randint(1, 999)}.example.com"
        if fmt in ("uri", "url"):
            return f"https://example.com/{self.rng.randint(1, 9999)}"
        candidate = self._by_name(name)
        if not isinstance(candidate, str):
            candidate = f"{name or 'value'}-{self.rng.randint(1, 9999)}"
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, candidate):
            candidate = _regex_example(pattern) or candidate
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        if len(candidate) < low:
            candidate = candidate + "x" * (low - len(candidate))
        if high is not None and len(candidate) > int(high):
            candidate = candidate[: int(high)]
        return candidate

    def _by_name(self, name: str) -> Any:
        if name == "id" or name.endswith("_id"):
            return self.uuid()
        if name.startswith("tm_"):
            return "" if name == "tm_delete" else timestamp(-self.rng.randint(1, 10**9))
        return f"{name or 'value'}-{self.rng.randint(1, 9999)}"
