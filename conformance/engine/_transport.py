"""HTTP for the run: one keep-alive `requests.Session`, polite to live targets, or wired straight into the mock.

In-process, an adapter hands each prepared request to the mock's `handle()` with no socket, so the engine
has one code path whichever way the target is reached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from io import BytesIO
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPResponse

MAX_RETRY_AFTER_S = 30.0
MAX_429_RETRIES = 3

Handler = Callable[[str, str, str, dict[str, str], bytes], Any]


class InProcessAdapter(BaseAdapter):
    """Answers requests by calling `handle(method, path, query, headers, body)` (the mock's)."""

    def __init__(self, handle: Handler) -> None:
        super().__init__()
        self._handle = handle

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {name.lower(): value for name, value in request.headers.items()}
        answer = self._handle(request.method or "GET", unquote(parts.path), parts.query, headers, body)
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(dict(answer.headers))
        response._content = answer.body
        response.raw = HTTPResponse(
            body=BytesIO(answer.body), headers=dict(answer.headers), status=answer.status, preload_content=False
        )
        response.url = request.url or ""
        response.request = request
        response.reason = ""
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


class PoliteSession(requests.Session):
    """A session that keeps to a request rate, and waits out 429s (Retry-After, capped) before trying again.

    A 429 means the request was not processed, so repeating it cannot create anything twice.
    """

    def __init__(self, rate_limit: float | None, retry_statuses: tuple[int, ...] = (429,)) -> None:
        super().__init__()
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._retry_statuses = retry_statuses
        self.waited_s = 0.0
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def _pace(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            time.sleep(wait)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        for attempt in range(MAX_429_RETRIES + 1):
            self._pace()
            response = super().request(method, url, *args, **kwargs)
            if response.status_code not in self._retry_statuses or attempt == MAX_429_RETRIES:
                return response
            delay = _retry_after(response.headers.get("Retry-After"), attempt)
            self.waited_s += delay
            time.sleep(delay)
        return response


def _retry_after(value: str | None, attempt: int) -> float:
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S) if value is not None else min(2.0**attempt, 8.0)
    except ValueError:
        return min(2.0**attempt, 8.0)


def _from_environment(session: requests.Session, url: str) -> None:
    """Read proxies and the CA bundle from the environment once, not on every request: requests' per-request
    look-up (`trust_env`) was a sixth of the client's time per request in profiles."""
    settings = session.merge_environment_settings(url, {}, None, None, None)  # honours NO_PROXY for the target
    session.trust_env = False
    session.proxies.update(settings.get("proxies") or {})
    if isinstance(settings.get("verify"), str):
        session.verify = settings["verify"]


def make_session(
    *, rate_limit: float | None, handle: Handler | None = None, base_url: str = "", honour_429: bool = True
) -> requests.Session:
    session = PoliteSession(rate_limit, (429,) if honour_429 else ())
    _from_environment(session, base_url or "https://example.invalid/")
    if handle is not None:
        session.mount(base_url.rstrip("/") + "/", InProcessAdapter(handle))
    session.headers["User-Agent"] = "voipbin-conformance"
    return session
