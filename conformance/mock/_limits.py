"""What the served mock may hold for its clients, whatever they do: the bytes of request bodies across connections
(`Budget`), and the bytes of one request's line and headers (`HeaderReader`)."""

from __future__ import annotations

import io
import threading

from conformance.mock._wire import MockResponse, answer_headers


class Budget:
    """Bytes of request bodies held in memory, across connections; `held` never exceeds `total`."""

    def __init__(self, total: int) -> None:
        self.total, self.held, self.peak = total, 0, 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        with self._lock:
            if self.held + size > self.total:
                return False
            self.held += size
            self.peak = max(self.peak, self.held)
            return True

    def give(self, size: int) -> None:
        with self._lock:
            self.held -= size


class HeadersTooLarge(Exception):
    """A request's line and headers went past their bound: answered 431, and the connection ends."""


class HeaderReader(io.BufferedIOBase):
    """The connection's reader while `http.client.parse_headers` reads one request's headers: `left` bytes in all,
    then `HeadersTooLarge`. http.client's own limits (100 lines of 64 KiB each) are module globals that the suite's
    own HTTP client, in the same process, shares: they are left as they are."""

    def __init__(self, raw: io.BufferedIOBase, left: int) -> None:
        super().__init__()
        self.raw, self.left = raw, left

    def readline(self, size: int | None = -1, /) -> bytes:
        want = self.left + 1 if size is None or size < 0 else min(size, self.left + 1)
        line = self.raw.readline(max(want, 0))
        self.left -= len(line)
        if self.left < 0:
            raise HeadersTooLarge
        return line


def on_the_wire(response: MockResponse, reason: str) -> bytes:
    """An answer as bytes, for where no request handler writes it (the accept loop); the connection then ends."""
    lines = [f"HTTP/1.1 {response.status} {reason}", *(f"{n}: {v}" for n, v in answer_headers(response))]
    return ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1") + response.body
