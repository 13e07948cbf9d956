"""Secrets never leave the process: credentials become environment-variable references in repro commands and
`[REDACTED]` anywhere else. Only credentials are redacted; a `page_token` in a repro is data and stays.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from conformance.checks import Exchange

REDACTED = "[REDACTED]"
_NOISE_HEADERS = {
    "user-agent",
    "accept-encoding",
    "accept",
    "connection",
    "content-length",
    "x-schemathesis-testcaseid",
}


_MIN_DERIVED = 8  # spellings derived from shorter secrets would match ordinary text


def spellings(secret: str) -> Iterator[str]:
    """Every form a credential can take in our outputs: as sent, percent-encoded (a query string), JSON-escaped
    (a target echoing it in a body), base64 (standalone or inside a longer encoded value, at each of the three
    alignments), and a JWT's payload and signature on their own."""
    yield secret
    if len(secret) < _MIN_DERIVED:
        return
    yield quote(secret, safe="")
    yield quote_plus(secret, safe="")
    for escaped in (json.dumps(secret)[1:-1], json.dumps(secret)[1:-1].replace("/", "\\/")):
        yield escaped
        yield json.dumps(escaped)[1:-1]  # once more: a response body quoted inside results.json
    raw = secret.encode()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        yield encode(raw).decode()
        for offset in (1, 2):  # inside a longer value: drop the 4 characters shared with what precedes or follows
            core = encode(b"\0" * offset + raw).decode().rstrip("=")[4:-4]
            if len(core) >= _MIN_DERIVED:
                yield core
    parts = secret.split(".")
    if len(parts) == 3 and all(parts):  # a JWT: its header is the same for every token and no secret
        yield from (part for part in parts[1:] if len(part) >= _MIN_DERIVED)


class Redactor:
    def __init__(self, named_secrets: dict[str, str | None]) -> None:
        """`named_secrets` maps an environment variable name (VOIPBIN_TOKEN) to the secret it holds."""
        self._named: dict[str, str] = {}
        for name, value in named_secrets.items():
            for spelling in spellings(value) if value else ():
                self._named.setdefault(spelling, name)
        # Longest first, so a secret that contains another is replaced whole.
        self._ordered = sorted(self._named, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._ordered:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def as_reference(self, value: str) -> str:
        """`$VOIPBIN_TOKEN` in place of each secret, so a repro runs once the variable is set."""
        for secret in self._ordered:
            if secret in value:
                value = value.replace(secret, "${" + self._named[secret] + "}")
        return value

    def curl(self, exchange: Exchange, captured: dict[str, str] | None = None) -> str:
        """The request as a curl command. `captured` maps placeholders in the exchange to shell variables a
        replay script set from earlier responses."""

        def refer(value: str) -> str:
            value = self.as_reference(value)
            for placeholder, var in (captured or {}).items():
                value = value.replace(placeholder, "${" + var + "}")
            return value

        parts = urlsplit(exchange.url)
        query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
        url = refer(urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")))
        words = ["curl", "-sS", "-X", exchange.method]
        for name, value in exchange.request_headers.items():
            if name.lower() not in _NOISE_HEADERS:
                words += ["-H", f"{name}: {refer(value)}"]
        if exchange.request_body:
            body = exchange.request_body.decode("utf-8", "replace")
            words += ["--data-raw", refer(body)]
        words.append(url)
        # Quote everything except the variable references, which the shell must expand.
        return " ".join(_quote(word) for word in words)

    def scrub_files(self, paths: Iterable[str]) -> None:
        """Last line of defence: rewrite any report file that still holds a secret."""
        if not self._ordered:
            return
        for path in paths:
            try:
                with open(path, encoding="utf-8") as handle:
                    content = handle.read()
            except (OSError, UnicodeDecodeError):
                continue
            cleaned = self.text(content)
            if cleaned != content:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(cleaned)


_REFERENCE = re.compile(r"\\\$(\{(?:VOIPBIN_[A-Z_]+|S\d+_\d+(?:_q)?)\})")


def _quote(word: str) -> str:
    """Shell-quote `word`, keeping ${VOIPBIN_*} (credentials) and ${S<n>_<i>} (values a replay script captured)
    expandable; every other $ stays literal."""
    if "${" not in word:
        return shlex.quote(word)
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    escaped = _REFERENCE.sub(r"$\1", escaped)
    return f'"{escaped}"'
