"""Bounded reads: whatever a target does, one request ends within its deadline and holds at most a cap of bytes.

`requests`' timeout bounds each gap between reads, so a target that dribbles a byte at a time, or streams without
end, holds a request for as long as it likes; a gzip bomb of ~1 MB inflates to gigabytes. Here a watchdog shuts
the socket down at the deadline (connect, headers and body together), and the body is read raw and inflated by
us, never past the cap.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.errors import ConformanceError

_CHUNK = 64 * 1024
_local = threading.local()


class RunBudgetSpent(ConformanceError):
    """--max-time ran out while a request was waiting (for an answer, a 429's Retry-After, or a slot)."""


@dataclass
class Deadline:
    """The moment one request must be over by; the watchdog closes its connection then."""

    at: float
    expired: bool = False
    done: bool = False  # the request is over: nothing left to shut
    _connections: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def remaining(self) -> float:
        return self.at - time.monotonic()

    def attach(self, target: Any) -> None:
        """Watch a connection, or a bare socket."""
        with self._lock:
            self._connections.append(target)
            if self.expired:
                _shut(target)

    def close(self) -> None:
        """The request is over: nothing left to shut (the watchdog drops it when it comes to it)."""
        with self._lock:
            self.done = True
            self._connections.clear()

    def attach_response(self, response: requests.Response) -> None:
        """The socket a response reads from: http.client drops it from the connection when the response is
        delimited by closing (no Content-Length), so the connection alone cannot reach it."""
        fp = getattr(getattr(response.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(fp, "raw", None), "_sock", None)
        if sock is not None:
            self.attach(sock)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            for connection in self._connections:
                _shut(connection)


def _shut(target: Any) -> None:
    """Shut a socket, or the socket of a connection (which has none until it connects)."""
    sock = target if isinstance(target, socket.socket) else getattr(target, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # a blocked recv returns at once


class _Watchdog:
    """One daemon thread that fires every deadline when it passes: a timer thread per request cost more than
    the request itself against a fast target."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Deadline]] = []
        self._wake = threading.Condition()
        self._count = 0
        self._thread: threading.Thread | None = None

    def watch(self, limit: Deadline) -> None:
        with self._wake:
            self._count += 1
            heapq.heappush(self._due, (limit.at, self._count, limit))
            if self._thread is None or not self._thread.is_alive():  # first use, or a fork left it behind
                self._thread = threading.Thread(target=self._run, name="conformance-watchdog", daemon=True)
                self._thread.start()
            elif self._due[0][2] is limit:
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._due and (self._due[0][2].done or self._due[0][0] <= time.monotonic()):
                    heapq.heappop(self._due)[2].fire()
                self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)


_WATCHDOG = _Watchdog()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Everything in the block — connecting, the headers, every read of the body — ends within `seconds`."""
    limit = Deadline(time.monotonic() + max(seconds, 0.0))
    previous = getattr(_local, "deadline", None)
    _local.deadline = limit
    _WATCHDOG.watch(limit)
    try:
        yield limit
    finally:
        limit.close()
        _local.deadline = previous


class _Watched:
    """Hands every connection a pool gives out to the current deadline: its socket, once it has one (the TCP
    socket while the TLS handshake runs, then the TLS socket), is what the watchdog shuts."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        limit = getattr(_local, "deadline", None)
        if limit is not None:
            limit.attach(connection)
        return connection


class _WatchedPool(_Watched, HTTPConnectionPool):
    pass


class _WatchedHTTPSPool(_Watched, HTTPSConnectionPool):
    def _validate_conn(self, conn: Any) -> None:
        """As urllib3's, less its warning on every unverified request: a run without verification (--insecure)
        says so once on the console and in every report instead."""
        if self.cert_reqs not in ("CERT_NONE", ssl.CERT_NONE):
            super()._validate_conn(conn)
            return
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


def watch_pools(adapter: requests.adapters.HTTPAdapter) -> None:
    """Make `adapter`'s connections visible to the watchdog."""
    adapter.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class TooLarge(ConformanceError):
    """The body (inflated) is bigger than the cap: a finding, never a crash."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"more than {cap} bytes")
        self.cap = cap

    def describe(self) -> str:
        return f"oversized answer: the body is larger than the {self.cap:,}-byte cap (--max-response-bytes)"


def _decoder(encoding: str) -> Any:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, detected
    return None  # identity, or an encoding we did not ask for: kept as sent


def inflate(data: bytes, encoding: str, cap: int) -> bytes:
    """A body as sent with `encoding` (gzip, deflate) inflated, at most `cap` bytes (TooLarge beyond); anything
    that does not inflate stays as sent."""
    decoder = _decoder(encoding)
    if decoder is None:
        return data
    try:
        out = decoder.decompress(data, cap + 1)
    except zlib.error:
        return data
    if len(out) > cap:
        raise TooLarge(cap)
    return out


def read_body(response: requests.Response, cap: int, limit: Deadline | None = None) -> bytes:
    """The body, inflated, at most `cap` bytes (TooLarge beyond), read before `limit`."""
    decoder = _decoder(response.headers.get("Content-Encoding", ""))
    out = bytearray()
    raw = response.raw
    while True:
        if limit is not None and limit.remaining <= 0:
            raise requests.Timeout("deadline")
        chunk = raw.read(_CHUNK, decode_content=False) if hasattr(raw, "read") else b""
        if not chunk:
            break
        if decoder is None:
            out += chunk
        else:
            data = decoder.decompress(chunk, cap + 1 - len(out))
            out += data
            while decoder.unconsumed_tail and len(out) <= cap:
                out += decoder.decompress(decoder.unconsumed_tail, cap + 1 - len(out))
        if len(out) > cap:
            raise TooLarge(cap)
    return bytes(out)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After in seconds (a number or an HTTP date), or None when it says nothing usable."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None
