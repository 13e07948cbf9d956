"""What the proxy accepts of a client's request before anything goes upstream (RFC 9112): an origin-form target and
one unambiguous framing. Anything else is refused here, and the connection closed after the refusal: a request
whose end the proxy cannot be sure of leaves no byte that could be read as a request of its own (smuggling)."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message

# RFC 3986 path-abempty [ "?" query ], visible ASCII only: no userinfo, no authority, no scheme, no fragment.
_ORIGIN_FORM = re.compile(r"/[!$&'()*+,\-./0-9:;=?@A-Z_a-z~%]*")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,18}")
MAX_LINE = 8192  # a chunk-size line, a trailer line
MAX_TRAILERS = 100


class Refused(Exception):
    """The proxy's own answer to a request it will not forward: `status`, and `message` in one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def origin_form(method: str, target: str, version: str, hosts: list[str]) -> str:
    """The request target as the upstream will get it; refused unless it is origin-form (a reverse proxy has one
    upstream: absolute-form, authority-form and asterisk-form name other hosts, or none)."""
    if method == "CONNECT":
        raise Refused(405, "CONNECT is refused: this is a reverse proxy to its upstream, not a tunnel")
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise Refused(400, f"{version or 'HTTP/0.9'} is not served: HTTP/1.0 or HTTP/1.1 only")
    if version == "HTTP/1.1" and len(hosts) != 1:
        raise Refused(400, "an HTTP/1.1 request has exactly one Host header (RFC 9112 3.2)")
    if not _ORIGIN_FORM.fullmatch(target):
        raise Refused(
            400, "the request target is not origin-form (/path?query): the proxy forwards to its upstream only"
        )
    return target


def framing(headers: Message, version: str) -> int | None:
    """The request body's length, or None where it is chunked; refused where it is ambiguous (RFC 9112 6.3: both
    Content-Length and Transfer-Encoding, Content-Lengths that differ) or in a coding the proxy does not decode."""
    encodings = headers.get_all("Transfer-Encoding") or []
    lengths = headers.get_all("Content-Length") or []
    if encodings and lengths:
        raise Refused(400, "both Content-Length and Transfer-Encoding: the body's end is ambiguous (RFC 9112 6.3)")
    if encodings:
        codings = [coding.strip().lower() for value in encodings for coding in value.split(",")]
        if version != "HTTP/1.1" or not codings or codings[-1] != "chunked":
            raise Refused(400, "Transfer-Encoding without chunked last (or before HTTP/1.1): the body has no end")
        if codings != ["chunked"]:
            raise Refused(501, f"Transfer-Encoding {', '.join(codings)} is not decoded here: send chunked alone")
        return None
    values = {value.strip() for header in lengths for value in header.split(",")}
    if len(values) > 1:
        raise Refused(400, "Content-Length headers that differ: the body's end is ambiguous (RFC 9112 6.3)")
    if values and not _DIGITS.fullmatch(next(iter(values))):
        raise Refused(400, "the Content-Length is not a number of bytes")
    return int(values.pop()) if values else 0


def read_chunked(
    readline: Callable[[int], bytes], read_into: Callable[[int], None], read: Callable[[int], bytes]
) -> None:
    """A chunked body, strictly: hex sizes, each chunk ended by CRLF, at most MAX_TRAILERS trailer lines (dropped)."""
    while True:
        line = readline(MAX_LINE)
        if not line.endswith(b"\n"):
            raise Refused(400, "malformed chunked encoding: a chunk-size line cut short or too long")
        size = line.split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size):
            raise Refused(400, "malformed chunked encoding: the chunk size is not hexadecimal")
        if int(size, 16) == 0:
            break
        read_into(int(size, 16))
        if read(2) != b"\r\n":
            raise Refused(400, "malformed chunked encoding: a chunk not followed by CRLF")
    for _ in range(MAX_TRAILERS):
        line = readline(MAX_LINE)
        if line in (b"\r\n", b"\n"):
            return
        if not line.endswith(b"\n"):
            raise Refused(400, "malformed chunked encoding: the trailer section is cut short or too long")
    raise Refused(431, f"more than {MAX_TRAILERS} trailer lines")
