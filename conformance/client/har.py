"""HAR 1.2, both ways: every exchange of a run or of the proxy written as an entry (credentials redacted on the way
out), and a HAR someone hands us (browsers' devtools, proxies, the suite's own) read back as exchanges, bounded in
what it may cost. A file that is not a HAR is one line naming what is wrong, never a traceback."""

from __future__ import annotations

import base64
import heapq
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import jsonschema

from conformance import __version__
from conformance.checks import Exchange
from conformance.client._har_schema import SCHEMA
from conformance.errors import SetupError
from conformance.files import read_bounded
from conformance.redact import header_variable

MAX_HAR_BYTES = 256 * 1024 * 1024  # a HAR is read whole: a bigger one is refused before it is parsed
# What a recorded HAR keeps, so that `judge` can always read it back: each body at most KEPT_BODY bytes (a cut one
# marked `_truncated` and said in its comment), bodies only while the file is under KEPT_BODIES, entries only while
# it is under KEPT_HAR (the rest counted in the log's comment).
KEPT_BODY = 256 * 1024
KEPT_BODIES = MAX_HAR_BYTES // 2
KEPT_HAR = MAX_HAR_BYTES - 8 * 1024 * 1024
CUT = "_truncated"
MAX_DEPTH = 32  # a HAR nests 6 deep (bodies are strings): deeper is no HAR, and would exhaust the stack downstream
_HINT = "pass a HAR 1.2 file (devtools: Network → Save all as HAR; `run --record-har`; `proxy --record`)"
# Requests a page makes that are no API call: the page itself, its code, its looks, a CORS preflight.
NOT_API = frozenset(
    {"document", "stylesheet", "script", "image", "font", "media", "manifest", "texttrack", "websocket", "preflight"}
)
_HTTP = ("http", "https")


# -- reading --------------------------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One HAR entry as an exchange: `operation` is left for the caller to match. `kind` says what it is when it
    is not an answered request: "unanswered" (status 0: the client gave up, or nothing came), "unrecorded" (the
    HAR holds no body where one was sent), "not_api" (the page, its scripts and images, a CORS preflight)."""

    exchange: Exchange
    kind: str = "answered"


def read(path: str, *, max_bytes: int = MAX_HAR_BYTES) -> list[dict[str, Any]]:
    """The entries of the HAR at `path`, validated, in the order their requests went out."""
    data = _parse(_read(path, max_bytes), path)
    if _deeper_than(data, MAX_DEPTH):
        raise SetupError(f"{path} is not a HAR file: nested deeper than {MAX_DEPTH} levels", _HINT)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise SetupError(f"{path} is not a HAR file: {where or 'the document'}: {message}", _HINT)
    entries: list[dict[str, Any]] = data["log"]["entries"]
    if all(_started(e) is not None for e in entries):
        entries.sort(key=lambda e: _started(e) or 0.0)  # stable: equal times keep the file's order
    return entries


def _read(path: str, max_bytes: int) -> str:
    too_large = SetupError(
        f"{path} is larger than {max_bytes:,} bytes (--max-har-bytes): not read",
        "split the recording, or raise --max-har-bytes",
    )
    return read_bounded(path, "HAR file", max_bytes, hint=_HINT, too_large=too_large)


def _parse(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise SetupError(f"{path} is not a HAR file: nested too deeply to parse", _HINT) from None
    except ValueError as exc:
        raise SetupError(f"{path} is not a HAR file: not JSON ({exc})", _HINT) from None


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, level + 1) for child in children)
    return False


def _started(entry: dict[str, Any]) -> float | None:
    raw = entry.get("startedDateTime")
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _headers(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    """Lower-cased names; a repeated header's values joined as HTTP joins them (cookies with `; `)."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        name, value = pair["name"].lower(), pair["value"]
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-headers (:authority, :path) as Chrome records them
        joiner = "; " if name == "cookie" else ", "
        found[name] = f"{found[name]}{joiner}{value}" if name in found else value
    return found


def _body(content: dict[str, Any] | None) -> bytes | None:
    """A recorded body (base64 where the producer said so); None where none was recorded."""
    if not content or "text" not in content:
        return None
    text = content["text"]
    if str(content.get("encoding", "")).lower() == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except ValueError:
            return text.encode("utf-8", "replace")
    return text.encode("utf-8", "surrogatepass")


def _not_base64(content: Any) -> bool:
    """A body the producer marked base64 whose text does not decode (line breaks aside): judging the text itself
    would blame the target for what the recording broke."""
    if not isinstance(content, dict) or str(content.get("encoding", "")).lower() != "base64":
        return False
    try:
        base64.b64decode(re.sub(r"\s", "", str(content.get("text", ""))), validate=True)
    except ValueError:
        return True
    return False


class Unreadable(ValueError):
    """An entry that is valid HAR but holds what no request could have carried: counted, not judged."""


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def _unreadable(entry: dict[str, Any]) -> str | None:
    """Why an entry cannot be judged (a URL that does not parse, a string that is no Unicode), or None."""
    url = entry["request"]["url"]
    if _NOT_IN_URL.search(url):
        return "its URL holds a space or a control character"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a port out of range or not a number
    except ValueError as exc:
        return f"its URL does not parse ({exc})"
    if parts.scheme.lower() in _HTTP and not parts.hostname:
        return "its URL names no host"
    if any(
        _not_base64(part.get(key)) for part, key in ((entry["request"], "postData"), (entry["response"], "content"))
    ):
        return "a body marked base64 is not base64: what was recorded is not what was sent"
    stack: list[Any] = [entry["request"], entry["response"]]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and _SURROGATE.search(node):
            return "it holds a lone surrogate (\\ud800-\\udfff), which is no character"
        stack.extend(node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
        if isinstance(node, dict):
            stack.extend(key for key in node if isinstance(key, str))
    return None


def entry_exchange(entry: dict[str, Any], max_body: int) -> Entry:
    """One validated HAR entry as an exchange (its operation left empty); a body over `max_body` is an oversized
    answer, as a run reads one. Unreadable where it holds what no request could have carried."""
    why = _unreadable(entry)
    if why is not None:
        raise Unreadable(why)
    request, response = entry["request"], entry["response"]
    headers = {name: value for name, value in _headers(request.get("headers")).items() if name != "host"}
    sent = _body(request.get("postData"))
    exchange = Exchange(
        "",
        request["method"].upper(),
        request["url"],
        headers,
        sent[:max_body] if sent else None,
        purpose="recorded traffic",
        elapsed=max(float(entry.get("time") or 0.0), 0.0) / 1000,
        started=_started(entry),
    )
    if str(entry.get("_resourceType", "")).lower() in NOT_API or urlsplit(exchange.url).scheme.lower() not in _HTTP:
        return Entry(exchange, "not_api")
    status = int(response["status"])
    if status == 0:
        exchange.error = str(entry.get("_error") or response.get("_error") or "no answer recorded")
        return Entry(exchange, "unanswered")
    body = _body(response.get("content"))
    size = (response.get("content") or {}).get("size")
    if (request.get("postData") or {}).get(CUT):
        return Entry(exchange, "unrecorded")  # the answer was to a body the HAR no longer holds whole
    if (response.get("content") or {}).get(CUT) and not (isinstance(size, int) and size > max_body):
        return Entry(exchange, "unrecorded")  # cut when it was recorded: judging the cut would judge the cut
    if body is None and isinstance(size, int) and size > 0 and status not in (204, 304):
        return Entry(exchange, "unrecorded")
    exchange.status, exchange.response_headers = status, _headers(response.get("headers"))
    if (body is not None and len(body) > max_body) or (isinstance(size, int) and size > max_body):
        from conformance.client.bounded import TooLarge

        exchange.status, exchange.response_headers, exchange.error = None, {}, TooLarge(max_body).describe()
    else:
        exchange.response_body = body or b""
    return Entry(exchange)


# -- writing --------------------------------------------------------------------------------------------------------
def _pairs(items: Any, redact: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": name, "value": redact(value)} for name, value in items]


def _text(body: bytes, redact: Callable[[str], str], keep: int = KEPT_BODY) -> dict[str, Any]:
    """A body as HAR text (base64 where it is not UTF-8), redacted whole, then cut to about `keep` bytes: a cut body
    is marked and its comment says so (`judge` never reads a cut body as the answer)."""
    try:
        text, encoding = body.decode("utf-8"), ""
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(body).decode(), "base64"
    found: dict[str, Any] = {"text": redact(text), **({"encoding": encoding} if encoding else {})}
    if len(body) > keep:
        text = found["text"]
        found["text"] = text[: keep // 3 * 4] if encoding else text[:keep].encode()[:keep].decode("utf-8", "ignore")
        found[CUT] = True
        found["comment"] = f"body cut to its first {keep:,} of {len(body):,} bytes in this HAR (not judged)"
    return found


def _cookies(header: str, redact: Callable[[str], str]) -> list[dict[str, str]]:
    pairs = (part.strip().partition("=") for part in header.split(";") if "=" in part)
    return [{"name": name, "value": redact(value)} for name, _, value in pairs]


def _referenced(name: str, sent: str, configured: Mapping[str, str]) -> str:
    """A header as sent, with the value -H configured for it as its reference: only that value, so what else went out
    in it stays (a probe's `token=` cookie beside the user's, a text/plain Content-Type a probe sent instead)."""
    for configured_name, value in configured.items():
        if value and configured_name.lower() == name.lower():
            sent = sent.replace(value, f"${{{header_variable(configured_name)}}}")
    return sent


def entry(
    exchange: Exchange,
    redact: Callable[[str], str],
    response_headers: Any = None,
    configured: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The HAR entry of one exchange, every string that could hold a credential through `redact`; the headers the
    run was configured to send (-H) as references whatever their names (a gateway's `X-Gateway` may be its key)."""
    started = exchange.started if exchange.started is not None else 0.0
    headers = {name: _referenced(name, value, configured or {}) for name, value in exchange.request_headers.items()}
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": redact(exchange.url),
        "httpVersion": "HTTP/1.1",
        "cookies": _cookies(next((v for k, v in headers.items() if k.lower() == "cookie"), ""), redact),
        "headers": _pairs(headers.items(), redact),
        "queryString": _pairs(parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True), redact),
        "headersSize": -1,
        "bodySize": len(exchange.request_body or b""),
    }
    if exchange.request_body:
        mime = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        request["postData"] = {"mimeType": mime, **_text(exchange.request_body, redact)}
    answered = response_headers if response_headers is not None else exchange.response_headers.items()
    content = {"size": len(exchange.response_body), "mimeType": exchange.content_type}
    response: dict[str, Any] = {
        "status": exchange.status or 0,
        "statusText": "",
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(answered, redact),
        "content": {**content, **_text(exchange.response_body, redact)},
        "redirectURL": redact(exchange.response_headers.get("location", "")),
        "headersSize": -1,
        "bodySize": len(exchange.response_body),
    }
    moment = datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    wait = round(exchange.elapsed * 1000, 3)
    found = {"startedDateTime": moment, "time": wait, "request": request, "response": response}
    cut = [f"{side} {part['comment']}" for side, part in (("request", request.get("postData")), ("response",
           response["content"])) if part and CUT in part]  # fmt: skip
    comment = "; ".join([exchange.purpose, *cut])
    found.update({"cache": {}, "timings": {"send": 0, "wait": wait, "receive": 0}, "comment": comment})
    if exchange.error:
        found["_error"] = redact(exchange.error)
    return found


class Writer:
    """Entries appended to `<path>.part-<pid>` as JSON lines as they come (nothing held in memory), each process of
    a run its own part; `assemble()` joins every part into the HAR at `path`, in the order requests went out."""

    def __init__(self, path: str, redact: Callable[[str], str], configured: Mapping[str, str] | None = None) -> None:
        self.path, self.redact, self.configured = path, redact, dict(configured or {})
        self._part = Path(f"{path}.part-{os.getpid()}")
        self._handle: TextIO | None = None
        self._lock = threading.Lock()

    def add(self, exchange: Exchange, response_headers: Any = None) -> None:
        line = json.dumps(entry(exchange, self.redact, response_headers, self.configured), ensure_ascii=False)
        key = exchange.started if exchange.started is not None else 0.0
        with self._lock:
            if self._handle is None:
                self._handle = self._part.open("a", encoding="utf-8")
            self._handle.write(f"{key!r}\t{line}\n")
            self._handle.flush()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def parts(path: str) -> list[Path]:
    target = Path(path)
    return sorted(target.parent.glob(f"{target.name}.part-*"))


def discard_parts(path: str) -> None:
    """Parts an earlier, interrupted run left behind: not this run's exchanges."""
    for part in parts(path):
        part.unlink(missing_ok=True)


def assemble(path: str, scrub: Callable[[str], str] | None = None, note: str = "") -> int:
    """Join the parts into one HAR 1.2 at `path` (streamed: merged by start time, never all in memory), each entry
    through `scrub` as it is written (the last word on secrets: the file is never read back), and remove them;
    bounded so that `judge` reads it (KEPT_BODIES, KEPT_HAR); `note` (--insecure) goes in the log's comment. Returns
    how many entries it holds."""
    found = parts(path)
    handles = [part.open(encoding="utf-8") for part in found]
    count = left_out = written = 0
    try:
        with open(path, "w", encoding="utf-8") as out:
            creator = json.dumps({"name": "voipbin-conformance", "version": __version__})
            out.write(f'{{"log": {{"version": "1.2", "creator": {creator}, "pages": [], "entries": [\n')
            for _, line in heapq.merge(*(_lines(handle) for handle in handles), key=lambda pair: pair[0]):
                kept = _within(line, written)
                if kept is None:
                    left_out += 1
                    continue
                kept = scrub(kept) if scrub is not None else kept
                out.write((",\n" if count else "") + kept)
                written, count = written + len(kept.encode("utf-8", "surrogatepass")) + 2, count + 1
            said = [note] if note else []
            said += [f"{left_out} later entries left out: the HAR reached {KEPT_HAR:,} bytes"] if left_out else []
            out.write("\n]" + (f', "comment": {json.dumps("; ".join(said))}' if said else "") + "}}\n")
    finally:
        for handle in handles:
            handle.close()
        for part in found:
            part.unlink(missing_ok=True)
    return count


def _within(line: str, written: int) -> str | None:
    """An entry as the HAR can still hold it: whole, without its bodies once they have filled KEPT_BODIES, or not
    at all once the file is at KEPT_HAR."""
    if written + len(line) > KEPT_HAR:
        return None
    if written + len(line) <= KEPT_BODIES or '"text"' not in line:
        return line
    data = json.loads(line)
    said = f"body left out: the HAR's bodies reached {KEPT_BODIES:,} bytes (not judged)"
    for part in (data["request"].get("postData"), data["response"].get("content")):
        if part and part.get("text"):
            part.pop("text")
            part.update({CUT: True, "comment": said})
            data["comment"] = f"{data.get('comment', '')}; {said}"
    return json.dumps(data, ensure_ascii=False)


def _lines(handle: TextIO) -> Iterator[tuple[float, str]]:
    """A part's entries; a line a killed process left cut short (no newline, no key) is not one."""
    for raw in handle:
        key, _, line = raw.partition("\t")
        if line.endswith("\n") and key.replace(".", "", 1).isdigit():
            yield float(key), line[:-1]
