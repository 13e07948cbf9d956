"""Secrets never leave the process: credentials become environment-variable references in repro commands and
`[REDACTED]` anywhere else. Only credentials are redacted; a `page_token` in a repro is data and stays.

Two ways in, so that redacting can never corrupt an output:

- `value()` (and `data()`, over a whole structure) redacts a value on its way into an output, before it is
  serialized: every spelling of every secret, in any case, and a secret of any length where it stands whole (the
  value itself, or a JSON string in it). Whatever it replaces, the serializer escapes afterwards.
- `text()` redacts text that may already be serialized (a JSON document, an XML or HTML page): only spellings
  that cannot straddle the format's structure (no raw quote, angle bracket or lone backslash), never one shorter
  than 16 characters, and a match that begins inside an escape (`\\n`, `\\u00e9`, `&quot;`) takes the whole escape.

Credentials shorter than 16 characters are refused at start-up (`config.plausible_credential`); only the password,
whose length is not the user's to choose, can be shorter, and is then redacted where it stands whole, by `value()`.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
import shlex
import string
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from conformance.checks import Exchange
from conformance.config import MIN_CREDENTIAL, RUN_OPTIONS

REDACTED = "[REDACTED]"
_NOISE_HEADERS = {
    "user-agent",
    "accept-encoding",
    "accept",
    "connection",
    "content-length",
    "x-schemathesis-testcaseid",
}
# The environment variables a user holds credentials in (every option declared secret): what `diff` and `merge`
# can know to redact.
ENVIRONMENT_SECRETS = tuple(option.env for option in RUN_OPTIONS if option.secret)
_HEADER_PREFIX = "VOIPBIN_HEADER_"


def header_variable(name: str) -> str:
    """The environment variable a repro reads the value of header `name` from, for every name `-H` accepts.

    `X-Api2-Key` -> `VOIPBIN_HEADER_X_API2_KEY` (letters and digits upper-cased, `-` as `_`). A name with any
    other character (`X_Api.Key`, a leading or doubled `-`) is spelled out after a second `_`, each such byte as
    `_` and two hex digits: `VOIPBIN_HEADER__X_5FAPI_2EKEY`. Distinct names (case aside: header names are
    case-insensitive) never share a variable."""
    if re.fullmatch(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", name):
        return _HEADER_PREFIX + name.upper().replace("-", "_")
    alnum = set(string.ascii_letters + string.digits)
    spelled = "".join(chr(b).upper() if chr(b) in alnum else f"_{b:02X}" for b in name.encode())
    return _HEADER_PREFIX + "_" + spelled


def credential_parts(value: str) -> Iterator[str]:
    """What a credential given as a header value holds that a target may echo on its own: the value after its
    scheme (`Bearer <token>`), a Basic pair and its password, and each cookie's value."""
    scheme, _, rest = value.strip().partition(" ")
    if rest and scheme.isalpha():
        yield rest.strip()
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                pair = ""
            yield from (part for part in (pair, pair.partition(":")[2]) if part)
    for cookie in value.split(";"):
        name, sep, cookie_value = cookie.strip().partition("=")
        if sep and name and cookie_value:
            yield cookie_value


def _base64(raw: bytes) -> Iterator[str]:
    """The base64 of `raw` standalone, and the characters only `raw` determines when it sits inside a longer
    value at each of the three byte alignments, with anything before or after (both alphabets)."""
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        yield whole
        yield whole.rstrip("=")
        for offset in (0, 1, 2):
            encoded = encode(b"\0" * offset + raw + b"\0\0").decode()
            yield encoded[-(-8 * offset // 6) : 8 * (offset + len(raw)) // 6]


def spellings(secret: str) -> Iterator[str]:
    """Every form a credential can take in our outputs: as sent, percent-encoded (a query string), JSON-escaped
    (a target echoing it in a body, once more inside results.json), HTML-escaped, base64 (standalone or inside a
    longer value, at every alignment), and a JWT's payload and signature on their own."""
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret, safe="")
    escapes = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    escapes |= {escaped.replace("/", "\\/") for escaped in escapes}
    for escaped in sorted(escapes):
        yield escaped
        yield json.dumps(escaped)[1:-1]  # a response body quoted inside results.json
    for form in sorted({secret, *escapes}):
        yield html.escape(form)
        yield html.escape(form).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")
    yield from _base64(secret.encode())
    parts = secret.split(".")
    if len(parts) == 3 and all(parts):  # a JWT: its header is the same for every token and no secret
        yield from parts[1:]


# Safe inside any serialized text: nothing but whole escapes and characters that are never a format's structure.
_INERT = re.compile(r"(?:\\u[0-9A-Fa-f]{4}|\\[^u]|&#?[A-Za-z0-9]+;|[^\"'<>\\])*")
# An escape or character reference still open where a match begins.
_OPEN_ESCAPE = re.compile(r"(?:\\u[0-9A-Fa-f]{0,3}|\\|&#?[A-Za-z0-9]{0,8})\Z")


def _widen(text: str, start: int, floor: int) -> int:
    """Where a redaction that matched at `start` must begin so as not to leave half an escape behind."""
    opened = _OPEN_ESCAPE.search(text, max(floor, start - 10), start)
    if opened is None:
        return start
    begin = opened.start()
    if text[begin] == "\\":
        run = len(text[floor:begin]) - len(text[floor:begin].rstrip("\\"))
        if run % 2:  # the backslash is itself escaped (`\\`): no escape is open
            return start
    return begin


@functools.lru_cache(maxsize=256)
def _pattern(spelled: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(s) for s in spelled), re.IGNORECASE)


class Redactor:
    def __init__(self, named_secrets: Mapping[str, str | None]) -> None:
        """`named_secrets` maps an environment variable name (VOIPBIN_TOKEN) to the secret it holds."""
        self.named = {name: value for name, value in named_secrets.items() if value}  # as given
        self._named: dict[str, str] = {}  # lower-cased spelling -> variable
        self._whole: dict[str, str] = {}  # the secret itself, and as a JSON string -> variable
        for name, value in named_secrets.items():
            if not value:
                continue
            for spelling in spellings(value) if len(value) >= MIN_CREDENTIAL else ():
                if len(spelling) >= MIN_CREDENTIAL:
                    self._named.setdefault(spelling.lower(), name)
            self._whole.setdefault(value, name)
        # Longest first, so a secret that contains another is replaced whole.
        self._ordered = sorted(self._named, key=len, reverse=True)
        self._inert = [s for s in self._ordered if _INERT.fullmatch(s)]
        literals = {json.dumps(v, ensure_ascii=a): n for v, n in self._whole.items() for a in (True, False)}
        self._literals = sorted(literals.items(), key=lambda kv: -len(kv[0]))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Redactor:
        """The credentials a command outside a run (`diff`, `merge`) can know: the VOIPBIN_* secrets set."""
        environ = os.environ if environ is None else environ
        names = [n for n in environ if n in ENVIRONMENT_SECRETS or n.startswith(_HEADER_PREFIX)]
        return cls({name: environ[name] for name in sorted(names)})

    def _replace(self, value: str, spelled: list[str], widen: bool, to: Any) -> str:
        lowered = value.lower()
        present = tuple(s for s in spelled if s in lowered)
        if not present:
            return value
        out, done = [], 0
        for match in _pattern(present).finditer(value):
            begin = _widen(value, match.start(), done) if widen else match.start()
            out += [value[done:begin], to(self._named[match.group().lower()])]
            done = match.end()
        return "".join(out) + value[done:]

    def text(self, value: str) -> str:
        """`value` with every secret replaced where that cannot break its format: safe on serialized text."""
        return self._replace(value, self._inert, True, lambda name: REDACTED)

    def value(self, value: str) -> str:
        """A value on its way into an output (serialized after): every spelling, and secrets standing whole."""
        if value in self._whole:
            return REDACTED
        value = self._replace(value, self._ordered, True, lambda name: REDACTED)
        for literal, _ in self._literals:
            value = value.replace(literal, f'"{REDACTED}"')
        return value

    def data(self, obj: Any) -> Any:
        """`obj` (what becomes JSON, HTML, Markdown) with `value()` applied to every string in it, keys included."""
        if isinstance(obj, str):
            return self.value(obj)
        if isinstance(obj, dict):
            return {self.data(key): self.data(item) for key, item in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.data(item) for item in obj]
        return obj

    def as_reference(self, value: str) -> str:
        """`$VOIPBIN_TOKEN` in place of each secret, so a repro runs once the variable is set."""
        if value in self._whole:
            return "${" + self._whole[value] + "}"
        value = self._replace(value, self._ordered, False, lambda name: "${" + name + "}")
        for literal, name in self._literals:
            value = value.replace(literal, '"${' + name + '}"')
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
        if not self._inert:
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


_REFERENCE = re.compile(r"\\\$(\{(?:VOIPBIN_[A-Z0-9_]+|S\d+_\d+(?:_q)?)\})")


def _quote(word: str) -> str:
    """Shell-quote `word`, keeping ${VOIPBIN_*} (credentials) and ${S<n>_<i>} (values a replay script captured)
    expandable; every other $ stays literal."""
    if "${" not in word:
        return shlex.quote(word)
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    escaped = _REFERENCE.sub(r"$\1", escaped)
    return f'"{escaped}"'
