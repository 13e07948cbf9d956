"""The transport's own promises, over a real loopback socket: what an exchange says of its timing."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conformance.client.transport import make_session


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(0.05)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_: object) -> None:
        pass


def test_a_response_says_how_long_its_answer_took():
    """HAR timings and the order of recorded exchanges (checks/traffic) read it: never 0 for an answer that waited."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with make_session(rate_limit=None, base_url=url) as session:
            response, body = session.fetch("GET", url + "/", timeout=5)
        assert body == b"{}" and response.elapsed.total_seconds() >= 0.04
    finally:
        server.shutdown()
        server.server_close()
