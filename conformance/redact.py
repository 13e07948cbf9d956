"""Secrets never leave the process: credentials become environment-variable references in repro commands and
`[REDACTED]` anywhere else. Only credentials are redacted; a `page_token` in a repro is data and stays.

Three ways in, so that redacting can never corrupt an output:

- `value()` redacts a value from the traffic (a header or query value, a body, a URL, a message quoting one) on
  its way into a finding or a recorded HAR, before it is serialized: every spelling of every secret, in any case;
  one of 8 characters or more anywhere in the value, a shorter one only where it stands as a value (`pw=abc1`,
  `"abc1"`, `:abc1@`), one under 4 only as the whole value. `as_reference()` is the same with `${VARIABLE}`.
- `safe()` (and `data()`, over a whole structure) redacts a report's own text: only spellings of 16 characters or
  more, which no word of a report spells, so a password `failed` never rewrites a verdict or a tally's key.
- `text()` redacts text that may already be serialized (a JSON document, an XML or HTML page): only spellings
  that cannot straddle the format's structure (no raw quote, angle bracket or lone backslash), never one shorter
  than 16 characters, and a match that begins inside an escape (`\\n`, `\\u00e9`, `&quot;`) takes the whole escape.

Secrets are added one by one (`add()`) into indexes that are never rebuilt, and found in time linear in the text
whatever their number (`_Index`).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shlex
import string
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from conformance.checks import CATALOGUE, Exchange
from conformance.config import RUN_OPTIONS
from conformance.options import MIN_CREDENTIAL

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
# Where a spelling is redacted, by its length: anywhere at all (MIN_CREDENTIAL and longer); anywhere in a value
# from the traffic (_MID and longer); in a value only where it stands as one (_SHORT and longer: `password=abc1`,
# `"abc1"`, `:abc1@`); shorter, only as a whole value. So a password `failed` never rewrites a report's own words.
_MID, _SHORT = 8, 4
# A short value's slot: after `=`, `:` or a quote (or at the start), up to `&`, `;`, a quote, `@`, `,`, a
# backslash, a space or the end; the value itself may hold any of them (`p@ss!`).
_SLOT_START = re.compile(r"""^|(?<=[=:"'])""")
_SLOT_END = frozenset("&;\"'@,\\ \t\r\n")


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


def _fold(text: str) -> str:
    """`text` lower-cased character by character, each keeping its length (so positions carry over)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class _Index:
    """Spellings of at least `minimum` characters, found in time linear in the text and added without any
    rebuild: the text is sampled every `step` characters, and an occurrence of a spelling always holds a whole
    `k`-gram at a sample, at one of the spelling's first `step` offsets: only those grams are indexed, each with
    the (offset, length) of the spellings it starts, so a hit costs one look-up per distinct pair."""

    def __init__(self, k: int, minimum: int) -> None:
        self.k, self.step = k, minimum - k + 1
        self.grams: dict[str, tuple[tuple[int, int], ...]] = {}
        self.spelled: dict[str, str] = {}  # folded spelling -> variable

    def add(self, spelling: str, name: str) -> None:
        if spelling in self.spelled:
            return
        self.spelled[spelling] = name
        for offset in range(self.step):
            gram, pair = spelling[offset : offset + self.k], (offset, len(spelling))
            known = self.grams.get(gram, ())
            if pair not in known:
                self.grams[gram] = (*known, pair)

    def find(self, folded: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, spelling) of every occurrence in `folded` text."""
        k, grams, spelled = self.k, self.grams, self.spelled
        if not spelled:
            return
        for at in range(0, len(folded) - k + 1, self.step):
            for offset, length in grams.get(folded[at : at + k], ()):
                start = at - offset
                if start >= 0 and folded[start : start + length] in spelled:
                    yield start, start + length, folded[start : start + length]


# Words of the reports' own vocabulary that are as long as a secret can be: the check ids (keys of every tally).
_REPORT_WORDS = frozenset(CATALOGUE)
_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _word_around(folded: str, start: int, end: int) -> str:
    """The identifier (letters, digits, `_`) that the match at `start:end` lies in, or "" if it spans more."""
    if any(c not in _WORD for c in folded[start:end]):
        return ""
    while start > 0 and folded[start - 1] in _WORD:
        start -= 1
    while end < len(folded) and folded[end] in _WORD:
        end += 1
    return folded[start:end]


def _merged(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping matches as one (named after the longest), in order."""
    out: list[tuple[int, int, str]] = []
    for start, end, name in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and start < out[-1][1]:
            last = out[-1]
            longest = name if end - start > last[1] - last[0] else last[2]
            out[-1] = (last[0], max(last[1], end), longest)
        else:
            out.append((start, end, name))
    return out


class Redactor:
    def __init__(self, named_secrets: Mapping[str, str | None]) -> None:
        """`named_secrets` maps an environment variable name (VOIPBIN_TOKEN) to the secret it holds."""
        self.named: dict[str, str] = {}  # as given
        self._whole: dict[str, str] = {}  # the secret itself -> variable
        self._long = _Index(8, MIN_CREDENTIAL)  # redacted anywhere
        self._mid = _Index(4, _MID)  # redacted anywhere in a value
        self._short: dict[str, str] = {}  # redacted in a value's slot
        self._firsts: set[str] = set()  # the first characters of those
        self._structural: set[str] = set()  # long spellings that could straddle a format's structure
        for name, value in named_secrets.items():
            if value:
                self.add(name, value)

    def add(self, name: str, secret: str) -> None:
        """One more secret, in time proportional to its spellings: nothing already added is rebuilt."""
        self.named.setdefault(name, secret)
        self._whole.setdefault(secret, name)
        if len(secret) < _SHORT:
            return
        for spelling in (_fold(s) for s in spellings(secret)):
            if len(spelling) >= MIN_CREDENTIAL:
                self._long.add(spelling, name)
                if not _INERT.fullmatch(spelling):
                    self._structural.add(spelling)
            elif len(spelling) >= _MID:
                self._mid.add(spelling, name)
            elif len(spelling) >= _SHORT:
                self._short.setdefault(spelling, name)
                self._firsts.add(spelling[0])

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Redactor:
        """The credentials a command outside a run (`diff`, `merge`) can know: the VOIPBIN_* secrets set."""
        environ = os.environ if environ is None else environ
        names = [n for n in environ if n in ENVIRONMENT_SECRETS or n.startswith(_HEADER_PREFIX)]
        return cls({name: environ[name] for name in sorted(names)})

    def _spans(self, value: str, *, inert: bool = False, values: bool = False) -> list[tuple[int, int, str]]:
        folded = _fold(value)
        found = [
            (s, e, self._long.spelled[w])
            for s, e, w in self._long.find(folded)
            if not (inert and w in self._structural)
        ]
        if values:
            found += [(s, e, self._mid.spelled[w]) for s, e, w in self._mid.find(folded)]
            found += self._slots(folded)
        else:  # a report's own text: a check id is never rewritten, even by a password that spells one
            found = [(s, e, n) for s, e, n in found if _word_around(folded, s, e) not in _REPORT_WORDS]
        return _merged(found)

    def _slots(self, folded: str) -> Iterator[tuple[int, int, str]]:
        """Short secrets where they stand as a value (the longest that fits each slot)."""
        if not self._short:
            return
        firsts = self._firsts  # looked up, never iterated: the proxy's threads add while others redact
        for start in (m.start() for m in _SLOT_START.finditer(folded)):
            if folded[start : start + 1] not in firsts:
                continue
            for end in range(min(len(folded), start + _MID - 1), start, -1):
                if (end == len(folded) or folded[end] in _SLOT_END) and folded[start:end] in self._short:
                    yield start, end, self._short[folded[start:end]]
                    break

    def _rewrite(self, value: str, spans: list[tuple[int, int, str]], to: Any, widen: bool) -> str:
        out, done = [], 0
        for start, end, name in spans:
            begin = _widen(value, start, done) if widen else start
            out += [value[done:begin], to(name)]
            done = end
        return "".join(out) + value[done:]

    def _whole_value(self, value: str) -> tuple[str, str] | None:
        """(what comes before, variable) of a value that is a secret as a whole (or `Scheme secret`), else None."""
        if value in self._whole:
            return "", self._whole[value]
        scheme, _, rest = value.partition(" ")
        if rest and scheme.isalpha() and rest in self._whole:
            return scheme + " ", self._whole[rest]
        return None

    def text(self, value: str) -> str:
        """`value` with every secret replaced where that cannot break its format: safe on serialized text."""
        return self._rewrite(value, self._spans(value, inert=True), lambda name: REDACTED, True)

    def safe(self, value: str) -> str:
        """A report's own text on its way out (serialized after): every spelling of a long secret, and nothing
        shorter, so that no word of the report's vocabulary (`failed`, a check id) is ever rewritten."""
        return self._rewrite(value, self._spans(value), lambda name: REDACTED, True)

    def value(self, value: str) -> str:
        """A value from the traffic (a header, a query value, a body, a message quoting one): every spelling of
        every secret, a short one where it stands as a value."""
        whole = self._whole_value(value)
        if whole is not None:
            return whole[0] + REDACTED
        return self._rewrite(value, self._spans(value, values=True), lambda name: REDACTED, True)

    def data(self, obj: Any) -> Any:
        """`obj` (what becomes JSON, HTML, Markdown) with `safe()` applied to every string in it, keys included:
        the values from the traffic in it were redacted as values when they were taken in."""
        if isinstance(obj, str):
            return self.safe(obj)
        if isinstance(obj, dict):
            return {self.data(key): self.data(item) for key, item in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.data(item) for item in obj]
        return obj

    def as_reference(self, value: str) -> str:
        """`$VOIPBIN_TOKEN` in place of each secret, so a repro runs once the variable is set."""
        whole = self._whole_value(value)
        if whole is not None:
            return whole[0] + "${" + whole[1] + "}"
        return self._rewrite(value, self._spans(value, values=True), lambda name: "${" + name + "}", False)

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
        if not self._long.spelled:
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
