"""A finding from a sequence (a page walk, a lifecycle, two customers) as a shell script that replays it.

Ids and page tokens are not baked in: each is captured from the response that handed it out, so the script
works against any target that behaves the same, not only the one run that saw those values.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

from conformance._redact import Redactor
from conformance.checks import NOT_JSON, Exchange

_MIN_CAPTURE = 6  # shorter values ("1", "true") would be replaced wherever they happen to occur


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
    code = "import json,sys,urllib.parse as u; d=json.load(sys.stdin); v=str(" + expression + ")"
    code += "; print(u.quote(v, safe=''))" if quoted else "; print(v)"
    return shlex.quote(code)


def replay_script(steps: Sequence[Exchange], redactor: Redactor, title: str) -> str:
    lines = [
        "#!/bin/sh",
        f"# Replays: {' '.join(title.split())}",
        "# Needs curl, python3 and the VOIPBIN_* credentials in the environment; headers go to stderr.",
    ]
    later_urls = [step.url for step in steps]
    later_bodies = [(step.request_body or b"").decode("utf-8", "replace") for step in steps]
    url_vars: dict[str, str] = {}  # spelling in a URL -> variable name
    body_vars: dict[str, str] = {}
    for n, step in enumerate(steps, 1):
        url, body = later_urls[n - 1], later_bodies[n - 1]
        placeholders: dict[str, str] = {}  # survive the URL's re-encoding and quoting, become ${var} at the end
        for spelling, var in sorted(url_vars.items(), key=lambda kv: -len(kv[0])):
            if spelling in url:
                url = url.replace(spelling, f"VCREF{var}VCREF")
                placeholders[f"VCREF{var}VCREF"] = var
        for spelling, var in sorted(body_vars.items(), key=lambda kv: -len(kv[0])):
            if spelling in body:
                body = body.replace(spelling, f"VCREF{var}VCREF")
                placeholders[f"VCREF{var}VCREF"] = var
        sent = dataclasses.replace(step, url=url, request_body=body.encode() if step.request_body else None)
        curl = redactor.curl(sent, placeholders).replace("curl -sS", "curl -sS -D /dev/stderr", 1)
        seen = step.error or step.status
        lines += [f"# {n}. {step.purpose} (the run saw: {seen})", f"R{n}=$({curl})", f'printf "%s\\n" "$R{n}"']
        lines += _captures(n, step, later_urls[n:], later_bodies[n:], url_vars, body_vars)
    return "\n".join(lines) + "\n"


def _captures(
    n: int,
    step: Exchange,
    urls: list[str],
    bodies: list[str],
    url_vars: dict[str, str],
    body_vars: dict[str, str],
) -> list[str]:
    lines: list[str] = []
    body = step.json
    if body is NOT_JSON:
        return lines
    for index, (expression, value) in enumerate(_capturable(body)):
        spellings = {quote(value, safe=""), quote_plus(value, safe=""), value}
        in_url = [s for s in spellings if any(s in url for url in urls)]
        if in_url:
            var = f"S{n}_{index}_q"
            lines.append(f'{var}=$(printf "%s" "$R{n}" | python3 -c {_extract(expression, True)})')
            for spelling in in_url:
                url_vars.setdefault(spelling, var)
        if any(value in text for text in bodies):
            var = f"S{n}_{index}"
            lines.append(f'{var}=$(printf "%s" "$R{n}" | python3 -c {_extract(expression, False)})')
            body_vars.setdefault(value, var)
    return lines
