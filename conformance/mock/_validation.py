"""Reading a request as the live server does: path and query values coerced and validated, the body parsed and
validated against the operation's schema. Every refusal is a `Reject` in the live server's words."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

from conformance.mock._jsonschema import Validators
from conformance.mock._routes import Route
from conformance.mock._wire import Reject
from conformance.mock.faults import F
from conformance.openapi import INVALID, coerce, is_id_param, resolve
from conformance.profiles import Profile

_LONG_STRING = 20  # fault server_error_on_long_strings: a fixed-size buffer this short
MAX_JSON_DEPTH = 100  # a request body nested deeper is refused (400), as Go's decoder refuses past its own limit
# What parsing may build: a body with more JSON containers and elements than this is refused (413) unparsed. Each
# costs Python 50-100 bytes (an 8 MiB `[[],[],…]` is 2.8 million lists, 345 MiB); this bounds one body to ~20 MB.
MAX_JSON_VALUES = 200_000
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)  # a JSON string, escapes and all; never backtracks


class _TooDeep(ValueError):
    pass


class _TooMany(ValueError):
    pass


def json_values(body: bytes) -> int:
    """How many containers and elements parsing `body` would build, give or take: each `{`, `[` and `,` outside
    strings (a value is one of these, or the first in its container). Counted on the bytes, at C speed; the strings
    are taken out (a copy of the body) only where the raw count is over the budget, so that none is refused for
    what its strings hold."""

    def count(data: bytes) -> int:
        return data.count(b"{") + data.count(b"[") + data.count(b",")

    raw = count(body)
    return raw if raw <= MAX_JSON_VALUES else count(_STRING.sub(b"", body))


def parse_json(body: bytes) -> Any:
    """The body as JSON: ValueError if it is not JSON, _TooDeep (a ValueError) if nested past MAX_JSON_DEPTH,
    _TooMany (a ValueError) if it holds more than MAX_JSON_VALUES values, counted before anything is built.

    Nothing downstream (jsonschema, the handlers) recurses deeper than this; json.loads itself raises
    RecursionError long before a thread's stack runs out."""
    if json_values(body) > MAX_JSON_VALUES:
        raise _TooMany
    try:
        payload = json.loads(body)
    except RecursionError:
        raise _TooDeep from None
    stack = [(payload, 1)] if isinstance(payload, dict | list) else []
    while stack:  # iterative: the check must not recurse either
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _TooDeep
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return payload


class RequestReader:
    def __init__(self, document: dict[str, Any], profile: Profile, faults: frozenset[F]) -> None:
        self.document, self.profile, self.faults = document, profile, faults
        self.validators = Validators(document)
        self._check = F.SCHEMA_VIOLATIONS_ACCEPTED not in faults

    def params(self, route: Route, path_values: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        """The declared path and query values, typed; repeated query values are read by their first (Go)."""
        values: dict[str, Any] = {}
        for param in route.params:
            name, where = param["name"], param.get("in")
            if where == "path":
                raw: list[str] | None = [path_values[name]] if name in path_values else None
            elif where == "query":
                raw = query.get(name)
            else:
                continue
            if raw is None:
                if param.get("required") and self._check:
                    raise Reject(400, "MISSING_REQUEST_PARAMETER", f"missing required {where} parameter {name!r}")
                continue
            schema = resolve(self.document, param.get("schema")) or {}
            value = coerce(raw, schema)
            if where == "path" and is_id_param(name) and not self._an_id(raw[0]):
                if {F.MALFORMED_ID_404, F.MALFORMED_ID_200} & self.faults:
                    values[name] = raw[0]  # not looked at: the handler answers for what it cannot find (or makes up)
                    continue
                if self.profile.malformed_id_statuses:  # as the live GetCallsId: 400 INVALID_ID
                    raise Reject(self.profile.malformed_id_statuses[0], "INVALID_ID", f"{name} is not a valid UUID")
            if self._check:
                self._validate(where, name, schema, value)
            values[name] = value if value is not INVALID else raw[0]
        return values

    def _an_id(self, value: str) -> bool:
        """A well-formed id that names something: the nil UUID stands for "unset" (live: 400 INVALID_ID)."""
        unset = value.strip("0-") == "" and F.NIL_ID_200 not in self.faults  # the fault: it names one
        return bool(self.profile.id_pattern.match(value)) and not unset

    def _validate(self, where: str, name: str, schema: dict[str, Any], value: Any) -> None:
        if value is INVALID:
            kind = schema.get("type", "value")
            raise Reject(400, "INVALID_REQUEST_PARAMETER", f"{where} parameter {name!r} is not a valid {kind}")
        problem = self.validators.first_error(schema, value)
        if problem is not None:
            raise Reject(400, "INVALID_REQUEST_PARAMETER", f"{where} parameter {name!r}: {problem}")

    def body(self, route: Route, headers: dict[str, str], body: bytes) -> Any:
        """The JSON payload, or None for an operation without a request body (or an optional one not sent)."""
        schema = route.operation.request_schema(self.document)
        if schema is None:
            return None
        if not body:
            required = (resolve(self.document, schema) or {}).get("required")
            if (route.operation.body_required(self.document) or required) and self._check:
                raise Reject(400, "INVALID_ARGUMENT", "a JSON request body is required")
            return None
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != self.profile.content_type and F.TEXT_PLAIN_ACCEPTED not in self.faults:
            expected = self.profile.content_type
            raise Reject(400, "INVALID_ARGUMENT", f"Content-Type must be {expected}, not {content_type or 'absent'}")
        try:
            payload = parse_json(body)
        except _TooDeep:
            raise Reject(
                400, "INVALID_JSON_BODY", f"the request body is nested deeper than {MAX_JSON_DEPTH} levels"
            ) from None
        except _TooMany:
            limit = f"the request body holds more than {MAX_JSON_VALUES} JSON values"
            raise Reject(413, "REQUEST_TOO_LARGE", limit) from None
        except ValueError:
            if F.MALFORMED_JSON_500 in self.faults:
                raise Reject(500, "INTERNAL", "unexpected end of JSON input") from None
            raise Reject(400, "INVALID_JSON_BODY", "the request body is not valid JSON") from None
        problem = self.validators.first_error(schema, payload) if self._check else None
        if problem is not None:
            raise Reject(400, "INVALID_ARGUMENT", problem)
        return payload

    def has_long_string(self, query: dict[str, list[str]], path_values: dict[str, str], body: bytes) -> bool:
        """Fault server_error_on_long_strings: any string sent, credentials aside, longer than the buffer."""
        auth_names = {m.name for m in self.profile.auth_mechanisms}
        texts = [v for k, vs in query.items() if k not in auth_names for v in vs]
        texts += list(path_values.values())
        with contextlib.suppress(ValueError):  # not JSON, or too deep: body() refuses it
            texts += list(_strings(parse_json(body))) if body else []
        return any(len(t) > _LONG_STRING for t in texts)


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
