"""What the served mock may hold for its clients, whatever they do: the bytes of request bodies across connections
(`Budget`), the bytes of one request's line and headers (`HeaderReader`), and the connections served at once
(`BoundedHTTPServer`)."""

from __future__ import annotations

import contextlib
import io
import socketserver
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from conformance.mock._wire import MockResponse, answer_headers

MAX_CONNECTIONS = 128  # served at once (a run with --workers N holds a connection or two each); beyond, a 503


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


class BoundedHTTPServer(ThreadingHTTPServer):
    """A thread per connection, up to `slots` at once; beyond, `busy()`'s answer (if any) and the connection closed:
    what clients can make a server hold stays bounded. No reverse DNS look-up of the host at bind. The mock's server
    and the traffic proxy are both this."""

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS  # a burst of connects is accepted (and served or refused), not reset

    def __init__(self, address: tuple[str, int], handler: Any) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, handler)

    def busy(self) -> bytes | None:
        """What a client beyond the bound is told before its connection closes (None: nothing)."""
        return None

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            answer = self.busy()
            if answer is not None:
                with contextlib.suppress(OSError):
                    request.setblocking(False)  # the accept loop never waits on a client
                    request.send(answer)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's asks DNS for a fully qualified name: slow offline
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])
