"""Reading a results.json someone hands us (`diff`, `merge`, `run --baseline`): bounded in what it may cost, then
validated against `schemas/results.schema.json` before any code reads it. A file that is not what it claims is one
line and exit 2 naming the file and what is wrong, never a traceback, never a silently wrong comparison."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from itertools import islice
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from conformance.data import schemas_dir
from conformance.errors import SetupError
from conformance.files import read_bounded

MAX_BYTES = 64 * 1024 * 1024  # a run of the real spec against a broken target writes ~11 MB
MAX_DEPTH = 16  # results.json nests 5 deep; deeper is no results file, and would exhaust the stack downstream
_HINT = "pass the results.json that a run or a merge wrote"


def load(path: str) -> dict[str, Any]:
    data = _parse(_read(path), path)
    if _deeper_than(data, MAX_DEPTH):
        raise SetupError(f"{path} is not a results file: nested deeper than {MAX_DEPTH} levels", _HINT)
    error = _first_error(data)
    if error is not None:
        raise SetupError(f"{path} is not a results file: {describe(error)}", _HINT)
    return data


def problem(data: Any) -> str | None:
    """What keeps `data` (a results file about to be written) from being one its readers accept, or None."""
    error = _first_error(data)
    return None if error is None else describe(error)


def _first_error(data: Any) -> ValidationError | None:
    """The shallowest of the first errors: "summary: expected an object" before its details. jsonschema-rs (which
    schemathesis brings) says valid or not in milliseconds where jsonschema takes seconds for a 10 MB file; the
    words for what is wrong come from jsonschema, which is also the judge if the two ever disagree."""
    fast = _fast_validator()
    if fast is not None and fast.is_valid(data):
        return None
    errors = list(islice(_validator().iter_errors(data), 100))
    return min(errors, key=lambda e: len(e.absolute_path)) if errors else None


def _read(path: str) -> str:
    too_large = SetupError(f"{path} is not a results file: larger than {MAX_BYTES // (1024 * 1024)} MiB", _HINT)
    return read_bounded(path, "results file", MAX_BYTES, hint=_HINT, too_large=too_large)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse(text: str, path: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise SetupError(f"{path} is not a results file: nested deeper than {MAX_DEPTH} levels", _HINT) from None
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, an integer of thousands of digits
        raise SetupError(f"{path} is not a results file: not JSON ({str(exc)[:160]})", _HINT) from None


def _deeper_than(data: Any, limit: int) -> bool:
    """Without recursion: whatever the nesting, this walk cannot exhaust the stack."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any] = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schemas_dir() / "results.schema.json").read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> jsonschema.protocols.Validator:
    return jsonschema.Draft202012Validator(_schema())


@cache
def _fast_validator() -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - schemathesis depends on it; jsonschema alone gives the same verdict
        return None
    return jsonschema_rs.Draft202012Validator(_schema())


_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
_EXPECTED = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def _type_of(value: Any) -> str:
    return "null" if value is None else _NAMES.get(type(value), type(value).__name__)


def _where(error: ValidationError) -> str:
    """`summary.checks["x"].passed`, `findings[3]`: the place, in keys the file holds (escaped, capped)."""
    parts = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z0-9_]{1,40}", part):
            parts.append(f".{part}")
        else:  # a key from the file: JSON-escaped (no control or bidi character reaches a terminal), capped
            parts.append(f"[{json.dumps(part[:40])}{'…' if len(part) > 40 else ''}]")
    return "".join(parts).lstrip(".")


def describe(error: ValidationError) -> str:
    """What is wrong, in the schema's words and the value's type, never the value itself (it may be anything)."""
    where, kind = _where(error), error.validator
    wanted: Any = error.validator_value
    schema: Any = error.schema
    instance: Any = error.instance
    if kind == "type":
        expected = " or ".join(_EXPECTED[t] for t in ([wanted] if isinstance(wanted, str) else wanted))
        problem = f"expected {expected}, got {_type_of(instance)}"
    elif kind == "required":
        missing = next((key for key in wanted if key not in instance), wanted[0])
        problem = f"{missing!r} is missing"
    elif kind == "const":
        problem = f"expected {json.dumps(wanted)}"
    elif kind == "enum":
        problem = f"expected one of {', '.join(json.dumps(v) for v in wanted)}"
    elif kind in ("minimum", "maximum"):
        problem = f"expected {'at least' if kind == 'minimum' else 'at most'} {wanted}, got {str(instance)[:20]}"
    elif kind == "pattern":
        problem = f"expected {schema.get('description') or 'the form ' + wanted}"
    elif kind == "maxItems":
        problem = f"expected at most {wanted} items"
    else:
        problem = f"does not satisfy the schema's {kind!r}"
    return f"{where}: {problem}" if where else problem
