"""A finding from a sequence (a page walk, a lifecycle, two customers) as a shell script that replays it.

Ids and page tokens are not baked in: each is captured from the response that handed it out, so the script
works against any target that behaves the same, not only the one run that saw those values. A value is captured
only where a later request used it as the target handed it out: a whole query parameter value, a whole path
segment, a whole body field. Never in the scheme or the host: there, replayed against a target that hands out
something else, it would send the credentials wherever that value points.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

from conformance.checks import NOT_JSON, Exchange
from conformance.redact import Redactor

_MIN_CAPTURE = 6  # shorter values ("1", "true") would be replaced wherever they happen to occur
_MARK = "VCREF"  # a placeholder survives the URL's re-encoding and quoting, and becomes ${var} at the end


def _capturable(body: Any) -> Iterator[tuple[str, str]]:
    """(python expression on `d`, value) for values a later request may reuse: top-level strings, and the ids
    of a list's items."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) >= _MIN_CAPTURE:
            yield f"d[{json.dumps(key)}]", str(value)
        if isinstance(value, list):
            for n, item in enumerate(value):
                if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                    yield f'd[{json.dumps(key)}][{n}]["id"]', str(item["id"])


def _extract(expression: str, quoted: bool) -> str:
    """Python that prints the captured value percent-encoded (for a URL) or JSON-escaped (inside a JSON string)."""
    code = "import json,sys,urllib.parse as u; d=json.load(sys.stdin); v=" + expression
    code += (
        "; print(u.quote(str(v), safe=''))" if quoted else "; print(json.dumps(v)[1:-1] if isinstance(v, str) else v)"
    )
    return shlex.quote(code)


def _parameter_segments(step: Exchange) -> set[int]:
    """Where in `step`'s URL path a value can stand: the segments its operation's template has a parameter at
    (counted from the end). The base path (/v1.0, a gateway's prefix) and the literal segments are the run's own:
    a value a target hands out is never put there."""
    template = step.operation.split(" ", 1)[-1].split("/")
    return {-index for index in range(1, len(template)) if template[-index].startswith("{")}


def _url_values(step: Exchange) -> set[str]:
    """What the target can have handed out in the step's URL: its parameter segments and query values, decoded."""
    parts = urlsplit(step.url)
    segments = parts.path.split("/")
    found = {unquote(segments[i]) for i in _parameter_segments(step) if -i <= len(segments)}
    return found | {unquote_plus(p.partition("=")[2]) for p in parts.query.split("&") if "=" in p}


def _url_with(step: Exchange, swap: Callable[[str], str | None]) -> str:
    """The step's URL with each whole parameter segment and query value the target handed out as its placeholder."""
    parts = urlsplit(step.url)
    segments, at = parts.path.split("/"), _parameter_segments(step)
    path = "/".join(
        (swap(unquote(segment)) if index - len(segments) in at else None) or segment
        for index, segment in enumerate(segments)
    )
    query = []
    for pair in parts.query.split("&") if parts.query else []:
        name, eq, value = pair.partition("=")
        query.append(name + eq + ((swap(unquote_plus(value)) if eq else None) or value))
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(query), parts.fragment))


def _fields(body: bytes | None) -> Any:
    try:
        return json.loads(body) if body else NOT_JSON
    except ValueError:
        return NOT_JSON


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        yield value


def _body_with(body: bytes | None, swap: Callable[[str], str | None]) -> bytes | None:
    """`body` with each whole JSON field the target handed out as its placeholder (a number stays unquoted)."""
    parsed = _fields(body)
    if parsed is NOT_JSON:
        return body
    numbers: set[str] = set()

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str | int) and not isinstance(value, bool) and swap(str(value)):
            if isinstance(value, int):
                numbers.add(swap(str(value)) or "")
            return swap(str(value))
        return value

    swapped = walk(parsed)
    if swapped == parsed:
        return body
    text = json.dumps(swapped)
    for placeholder in numbers:
        text = text.replace(f'"{placeholder}"', placeholder)
    return text.encode()


def _swapper(variables: dict[str, str], placeholders: dict[str, str]) -> Callable[[str], str | None]:
    """The placeholder for a value a variable holds (noted in `placeholders`), or None."""

    def swap(value: str) -> str | None:
        if value not in variables:
            return None
        placeholders[f"{_MARK}{variables[value]}{_MARK}"] = variables[value]
        return f"{_MARK}{variables[value]}{_MARK}"

    return swap


def replay_script(steps: Sequence[Exchange], redactor: Redactor, title: str) -> str:
    lines = [
        "#!/bin/sh",
        f"# Replays: {' '.join(title.split())}",
        "# Needs curl, python3 and the VOIPBIN_* credentials in the environment; headers go to stderr.",
    ]
    url_vars: dict[str, str] = {}  # value -> variable holding it percent-encoded
    body_vars: dict[str, str] = {}  # value -> variable holding it JSON-escaped
    for n, step in enumerate(steps, 1):
        placeholders: dict[str, str] = {}
        url = _url_with(step, _swapper(url_vars, placeholders))
        body = _body_with(step.request_body, _swapper(body_vars, placeholders))
        sent = dataclasses.replace(step, url=url, request_body=body)
        curl = redactor.curl(sent, placeholders).replace("curl -sS", "curl -sS -D /dev/stderr", 1)
        seen = step.error or step.status
        lines += [f"# {n}. {step.purpose} (the run saw: {seen})", f"R{n}=$({curl})", f'printf "%s\\n" "$R{n}"']
        lines += _captures(n, step, steps[n:], url_vars, body_vars)
    return "\n".join(lines) + "\n"


def _captures(
    n: int, step: Exchange, later: Sequence[Exchange], url_vars: dict[str, str], body_vars: dict[str, str]
) -> list[str]:
    lines: list[str] = []
    body = step.json
    if body is NOT_JSON:
        return lines
    in_urls = set().union(*(_url_values(s) for s in later)) if later else set()
    in_bodies = {str(leaf) for s in later for leaf in _leaves(_fields(s.request_body))}
    for index, (expression, value) in enumerate(_capturable(body)):
        if value in in_urls:
            var = f"S{n}_{index}_q"
            lines.append(f'{var}=$(printf "%s" "$R{n}" | python3 -c {_extract(expression, True)})')
            url_vars.setdefault(value, var)
        if value in in_bodies:
            var = f"S{n}_{index}"
            lines.append(f'{var}=$(printf "%s" "$R{n}" | python3 -c {_extract(expression, False)})')
            body_vars.setdefault(value, var)
    return lines
