"""HAR 1.2, both ways: every exchange of a run or of the proxy written as an entry (credentials redacted on the way
out), and a HAR someone hands us (browsers' devtools, proxies, the suite's own) read back as exchanges, bounded in
what it may cost. A file that is not a HAR is one line naming what is wrong, never a traceback."""

from __future__ import annotations

import base64
import heapq
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import jsonschema

from conformance import __version__
from conformance.checks import Exchange
from conformance.errors import SetupError

MAX_HAR_BYTES = 256 * 1024 * 1024  # a HAR is read whole: a bigger one is refused before it is parsed
MAX_DEPTH = 32  # a HAR nests 6 deep (bodies are strings): deeper is no HAR, and would exhaust the stack downstream
_HINT = "pass a HAR 1.2 file (devtools: Network → Save all as HAR; `run --record-har`; `proxy --record`)"
# Requests a page makes that are no API call: the page itself, its code, its looks, a CORS preflight.
NOT_API = frozenset(
    {"document", "stylesheet", "script", "image", "font", "media", "manifest", "texttrack", "websocket", "preflight"}
)
_HTTP = ("http", "https")
_NAME_VALUE = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
    },
}
_STRING = {"type": "string"}
_CONTENT: dict[str, Any] = {"type": "object", "properties": {"text": _STRING, "encoding": _STRING}}
# What this reader relies on of HAR 1.2 (every producer writes these); anything else in an entry is left alone.
_SCHEMA = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["entries"],
            "properties": {
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["request", "response"],
                        "properties": {
                            "startedDateTime": {"type": "string"},
                            "time": {"type": "number"},
                            "_resourceType": {"type": "string"},
                            "request": {
                                "type": "object",
                                "required": ["method", "url"],
                                "properties": {
                                    "method": {"type": "string", "minLength": 1, "maxLength": 32},
                                    "url": {"type": "string", "minLength": 1},
                                    "headers": _NAME_VALUE,
                                    "postData": _CONTENT,
                                },
                            },
                            "response": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {
                                    "status": {"type": "integer", "minimum": 0, "maximum": 999},
                                    "headers": _NAME_VALUE,
                                    "content": {**_CONTENT, "properties": {**_CONTENT["properties"], "size": {}}},
                                },
                            },
                        },
                    },
                }
            },
        }
    },
}


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
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(data))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise SetupError(f"{path} is not a HAR file: {where or 'the document'}: {message}", _HINT)
    entries: list[dict[str, Any]] = data["log"]["entries"]
    if all(_started(e) is not None for e in entries):
        entries.sort(key=lambda e: _started(e) or 0.0)  # stable: equal times keep the file's order
    return entries


def _read(path: str, max_bytes: int) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise SetupError(f"HAR file not found: {path}", _HINT) from None
    except OSError as exc:
        raise SetupError(f"HAR file {path} could not be read: {exc.strerror or exc}", _HINT) from None
    if len(raw) > max_bytes:
        raise SetupError(
            f"{path} is larger than {max_bytes:,} bytes (--max-har-bytes): not read",
            "split the recording, or raise --max-har-bytes",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SetupError(f"{path} is not a HAR file: not UTF-8 (byte {raw[exc.start]:#04x} at {exc.start})") from None


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


def entry_exchange(entry: dict[str, Any], max_body: int) -> Entry:
    """One validated HAR entry as an exchange (its operation left empty); a body over `max_body` is an oversized
    answer, as a run reads one."""
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
    if body is None and isinstance(size, int) and size > 0 and status not in (204, 304):
        return Entry(exchange, "unrecorded")
    exchange.status, exchange.response_headers = status, _headers(response.get("headers"))
    if body is not None and len(body) > max_body:
        from conformance.client.bounded import TooLarge

        exchange.status, exchange.response_headers, exchange.error = None, {}, TooLarge(max_body).describe()
    else:
        exchange.response_body = body or b""
    return Entry(exchange)


# -- writing --------------------------------------------------------------------------------------------------------
def _pairs(items: Any, redact: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": name, "value": redact(value)} for name, value in items]


def _text(body: bytes, redact: Callable[[str], str]) -> dict[str, str]:
    try:
        return {"text": redact(body.decode("utf-8"))}
    except UnicodeDecodeError:
        return {"text": redact(base64.b64encode(body).decode()), "encoding": "base64"}


def _cookies(header: str, redact: Callable[[str], str]) -> list[dict[str, str]]:
    pairs = (part.strip().partition("=") for part in header.split(";") if "=" in part)
    return [{"name": name, "value": redact(value)} for name, _, value in pairs]


def entry(exchange: Exchange, redact: Callable[[str], str], response_headers: Any = None) -> dict[str, Any]:
    """The HAR entry of one exchange, every string that could hold a credential through `redact`."""
    started = exchange.started if exchange.started is not None else 0.0
    headers = exchange.request_headers
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
    found.update({"cache": {}, "timings": {"send": 0, "wait": wait, "receive": 0}, "comment": exchange.purpose})
    if exchange.error:
        found["_error"] = redact(exchange.error)
    return found


class Writer:
    """Entries appended to `<path>.part-<pid>` as JSON lines as they come (nothing held in memory), each process of
    a run its own part; `assemble()` joins every part into the HAR at `path`, in the order requests went out."""

    def __init__(self, path: str, redact: Callable[[str], str]) -> None:
        self.path, self.redact = path, redact
        self._part = Path(f"{path}.part-{os.getpid()}")
        self._handle: TextIO | None = None
        self._lock = threading.Lock()

    def add(self, exchange: Exchange, response_headers: Any = None) -> None:
        line = json.dumps(entry(exchange, self.redact, response_headers), ensure_ascii=False)
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


def assemble(path: str) -> int:
    """Join the parts into one HAR 1.2 at `path` (streamed: merged by start time, never all in memory) and remove
    them; returns how many entries it holds."""
    found = parts(path)
    handles = [part.open(encoding="utf-8") for part in found]
    count = 0
    try:
        with open(path, "w", encoding="utf-8") as out:
            creator = json.dumps({"name": "voipbin-conformance", "version": __version__})
            out.write(f'{{"log": {{"version": "1.2", "creator": {creator}, "pages": [], "entries": [\n')
            for line in heapq.merge(*(_lines(handle) for handle in handles), key=lambda pair: pair[0]):
                out.write((",\n" if count else "") + line[1])
                count += 1
            out.write("\n]}}\n")
    finally:
        for handle in handles:
            handle.close()
        for part in found:
            part.unlink(missing_ok=True)
    return count


def _lines(handle: TextIO) -> Iterator[tuple[float, str]]:
    for raw in handle:
        key, _, line = raw.rstrip("\n").partition("\t")
        if line:
            yield float(key), line
