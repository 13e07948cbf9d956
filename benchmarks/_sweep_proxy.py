"""The sweep's proxy harness: a recording upstream, a listener standing for "another host", the `proxy` command as
a user starts it (a subprocess), and raw bytes sent to it as an attacker sends them."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _sweep_common import ROOT

SECRET = "Bearer sweep-upstream-secret-42"


@dataclass
class Seen:
    requests: list[str] = field(default_factory=list)  # "METHOD PATH auth=... body=..."


def _recorder(seen: Seen, answer: Callable[[BaseHTTPRequestHandler], None] | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen.requests.append(f"{self.command} {self.path} auth={self.headers.get('Authorization')} body={body!r}")
            if answer is not None:
                answer(self)
                return
            data = json.dumps({"id": "0b7e0b0e-0000-4000-8000-000000000001", "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def __getattr__(self, name: str) -> object:
            if name.startswith("do_"):
                return self._any
            raise AttributeError(name)

    return Handler


@contextlib.contextmanager
def upstream(
    host: str = "127.0.0.1", answer: Callable[[BaseHTTPRequestHandler], None] | None = None
) -> Iterator[tuple[int, Seen]]:
    """A keep-alive HTTP/1.1 server (as Go's reads a stream: one request after the other) recording what reaches it."""
    seen = Seen()
    server = ThreadingHTTPServer((host, 0), _recorder(seen, answer))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def raw_upstream(answer: Callable[[socket.socket], None]) -> Iterator[int]:
    """An upstream that answers each connection with whatever `answer` writes (hostile upstreams)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_one, args=(conn,), daemon=True).start()

    def _one(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.settimeout(5)
            conn.recv(65536)
            answer(conn)
        with contextlib.suppress(OSError):
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


@contextlib.contextmanager
def keepalive_upstream(answer: Callable[[str, int], bytes]) -> Iterator[int]:
    """A raw keep-alive upstream: for the n-th request (path) on a connection it writes `answer(path, n)`, and keeps
    reading the next request (a connection pool's desync shows as one client getting another's answer)."""

    def one(conn: socket.socket) -> None:
        buffer, n = b"", 0
        with contextlib.suppress(OSError):
            conn.settimeout(10)
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                buffer = buffer[int(length.group(1)) if length else 0 :]
                conn.sendall(answer(head.split(b" ")[1].decode(), n))
                n += 1

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@dataclass
class Proxy:
    process: subprocess.Popen[str]
    port: int
    folder: Path
    out: str = ""
    err: str = ""
    rc: int | None = None

    def stop(self, sig: int = signal.SIGTERM, wait: float = 60) -> Proxy:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=wait)
        self.out, self.err, self.rc = self.out + out, err, self.process.returncode
        return self


@contextlib.contextmanager
def proxy(folder: Path, upstream_url: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[Proxy]:
    """`voipbin-conformance proxy --upstream URL --port 0 --record proxy.har --report-dir out EXTRA`."""
    args = ["proxy", "--upstream", upstream_url, "--port", "0", "--record", "proxy.har", "--report-dir", "out"]
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", *args, *extra],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    first = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        first += line
        if found := re.search(r"Proxy on https?://[^:]+:(\d+)", line):
            break
    else:
        found = None
    if not found:
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"the proxy did not start: {first[-300:]} {err[-300:]}")
    running = Proxy(process, int(found.group(1)), folder, out=first)
    try:
        yield running
    finally:
        if running.rc is None:
            running.stop()


def send(port: int, raw: bytes, wait: float = 15) -> bytes:
    """Raw bytes to the proxy; everything it answers until it closes or falls silent."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(raw)
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
        got = b""
        with contextlib.suppress(TimeoutError, OSError):
            while chunk := conn.recv(65536):
                got += chunk
        return got


def status(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else 0


def statuses(answer: bytes) -> list[int]:
    return [int(s) for s in re.findall(rb"HTTP/1\.[01] (\d{3})", answer)]
