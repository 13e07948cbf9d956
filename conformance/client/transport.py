"""HTTP for the run: one keep-alive `requests.Session`, polite to live targets, or wired straight into the mock.

In-process, an adapter hands each prepared request to the mock's `handle()` with no socket, so the engine
has one code path whichever way the target is reached.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import BaseHTTPResponse, HTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

from conformance.client.bounded import Deadline, RunBudgetSpent, deadline, read_body, retry_after_seconds, watch_pools
from conformance.client.tls import TLS
from conformance.client.tls import apply as apply_tls

MAX_RETRY_AFTER_S = 30.0  # one Retry-After is honoured up to this
MAX_429_WAIT_S = 60.0  # and all the waits of one request up to this
# and all the waits of a run up to this: a target answering 429 to every request, whatever its Retry-After says
# (nan, inf, -1, 1e308, a date in 9999), cannot hold a run without --max-time for 7-60 s a request.
MAX_429_RUN_WAIT_S = 120.0
MAX_429_RETRIES = 3
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

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
        # The raw stream only carries the bytes: urllib3 refuses to read content of a 204/304, which is exactly
        # what the http_semantics check must see when a (broken) target sends it.
        response.raw = HTTPResponse(
            body=BytesIO(answer.body), headers=dict(answer.headers), status=200, preload_content=False
        )
        response.url = request.url or ""
        response.request = request
        response.reason = ""
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


class StaleConnectionRetry(Retry):
    """One more try, on a fresh connection, for an idempotent request whose kept-alive connection the server had
    already closed: the close raced the reuse and not a byte of an answer came (a server that closes after each
    answer without saying `Connection: close`, a gateway's idle timeout). Nothing else is tried again: a timeout, a
    refusal or a broken answer is the target's answer (as `max_retries=0`)."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        cause = error.args[1] if isinstance(error, ProtocolError) and len(error.args) > 1 else None
        dropped = isinstance(cause, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError)
        if response is None and dropped and self._is_method_retryable(method or ""):
            return super().increment(method, url, response, error, _pool, _stacktrace)
        # As max_retries=0: raises (MaxRetryError, or the read error itself); a response is never retried either.
        return cast(Self, Retry(0, read=False).increment(method, url, response, error, _pool, _stacktrace))


class PoliteSession(requests.Session):
    """A session that keeps to a request rate, waits out 429s (Retry-After, capped) before trying again, and
    bounds every request: a total deadline, a cap on the body, and the run's --max-time over all of it.

    A 429 means the request was not processed, so repeating it cannot create anything twice.
    """

    def __init__(self, rate_limit: float | None) -> None:
        super().__init__()
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited_s = 0.0
        self.max_waiting_s = MAX_429_RUN_WAIT_S  # past it, a 429 is the answer at once
        self.run_deadline: float | None = None  # time.monotonic() by which --max-time ends the run
        self.requests_left: int | None = None  # --max-requests: what this process may still send
        self.max_bytes = DEFAULT_MAX_BYTES
        self.default_timeout = 5.0
        adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=8, max_retries=StaleConnectionRetry(1, respect_retry_after_header=False)
        )
        watch_pools(adapter)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def _run_left(self, budgeted: bool = True) -> float:
        if self.run_deadline is None or not budgeted:
            return math.inf
        left = self.run_deadline - time.monotonic()
        if left <= 0:
            raise RunBudgetSpent("the --max-time budget is spent")
        return left

    def _sleep(self, seconds: float) -> None:
        """Sleep, but never past the run's budget: --max-time ends the run whatever it is waiting for."""
        left = self._run_left()
        time.sleep(min(seconds, left))
        if seconds > left:
            raise RunBudgetSpent("the --max-time budget is spent")

    def _spend_one(self) -> None:
        """--max-requests: one more request of the budget, or RunBudgetSpent."""
        with self._lock:
            if self.requests_left is not None:
                if self.requests_left <= 0:
                    raise RunBudgetSpent("the --max-requests budget is spent")
                self.requests_left -= 1

    def _pace(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            self._sleep(wait)

    def fetch(
        self, method: str, url: str, *, timeout: float | None = None, budgeted: bool = True, **kwargs: Any
    ) -> tuple[requests.Response, bytes]:
        """One request, paced, 429s waited out; each attempt whole within `timeout` seconds and its body within the
        session's `max_bytes` (TooLarge beyond). Raises requests.Timeout at the deadline, RunBudgetSpent past
        --max-time (unless not `budgeted`: the clean-up of what the run created goes out whatever the budget)."""
        timeout = self.default_timeout if timeout is None else timeout
        waited = 0.0
        for attempt in range(MAX_429_RETRIES + 1):
            if budgeted:
                self._spend_one()
                self._pace()
            response, body = self._attempt(method, url, timeout, budgeted, kwargs)
            if response.status_code != 429 or attempt == MAX_429_RETRIES:
                break
            delay = _retry_after(response.headers.get("Retry-After"), attempt)
            if waited + delay > MAX_429_WAIT_S or self.waited_s + delay > self.max_waiting_s:
                break  # the target keeps refusing: its 429 is the answer, and the checks judge it
            waited += delay
            self.waited_s += delay
            self._sleep(delay)
        return response, body

    def _attempt(
        self, method: str, url: str, timeout: float, budgeted: bool, kwargs: dict[str, Any]
    ) -> tuple[requests.Response, bytes]:
        """One send and read under the watchdog, within `timeout` or what is left of the run's budget."""
        budget = min(timeout, self._run_left(budgeted))
        with deadline(budget) as limit:
            try:
                response = self._send_once(method, url, budget, kwargs)
                limit.attach_response(response)
                body = _read_and_release(response, self.max_bytes, limit)
            except (requests.RequestException, OSError, ProtocolError) as exc:
                if budget < timeout and (limit.expired or limit.remaining <= 0):
                    raise RunBudgetSpent("the --max-time budget is spent") from None
                if limit.expired or isinstance(exc, requests.Timeout):
                    raise requests.Timeout(f"no complete answer within {budget:g}s") from None
                if isinstance(exc, requests.RequestException):
                    raise
                raise requests.ConnectionError(str(exc)) from None
        response._content = body
        return response, body

    def _send_once(self, method: str, url: str, timeout: float, kwargs: dict[str, Any]) -> requests.Response:
        """The request prepared as `Session.request` prepares it and handed to its adapter, without the rest of
        `Session.send`, none of which applies here: a redirect is never followed, whatever `allow_redirects` says (a
        redirect to another origin would carry the credentials there), no cookie is kept (the runtime's policy), no
        hooks, and the environment was read once (`_from_environment`)."""
        extra = set(kwargs) - {"params", "headers", "data", "json", "allow_redirects"}
        if extra:
            raise TypeError(f"PoliteSession.fetch takes no {', '.join(sorted(extra))}")
        request = requests.Request(
            method.upper(), url, kwargs.get("headers"), data=kwargs.get("data"), json=kwargs.get("json"),
            params=kwargs.get("params"),
        )  # fmt: skip
        prepared = self.prepare_request(request)
        started = time.perf_counter()
        response = self.get_adapter(url).send(
            prepared,
            stream=True,
            timeout=timeout,
            verify=True if self.verify is None else self.verify,
            cert=self.cert,
            proxies=self.proxies,
        )
        response.elapsed = timedelta(seconds=time.perf_counter() - started)  # to its headers, as Session.send
        return response

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.pop("stream", None)
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        response, _ = self.fetch(method, url, *args, **kwargs)
        return response


def _read_and_release(response: requests.Response, max_bytes: int, limit: Deadline) -> bytes:
    """The body. urllib3 hands the connection back to the pool as soon as the body reads as ended, for the next
    request to reuse; it is closed instead where the body was read in part, or where the answer may leave bytes
    behind: a 204, 304 or HEAD answer has no body by rule, so content it declares anyway is never read and would
    start the next answer on the connection (closed before reading, or urllib3 would already have pooled it)."""
    if may_leave_content(response):
        response.close()
        return b""
    try:
        return read_body(response, max_bytes, limit)
    except BaseException:
        response.close()
        raise


def may_leave_content(response: requests.Response) -> bool:
    """Whether the connection must close rather than serve the next request: after any 1xx (a 101's connection
    no longer speaks HTTP; an interim 103's final answer would answer the next request instead), and after a 204,
    304 or HEAD answer that declares content anyway."""
    if response.status_code < 200:
        return True
    bodiless = response.status_code in (204, 304) or response.request.method == "HEAD"
    declared = response.headers.get("Content-Length", "0").strip() not in ("", "0")
    return bodiless and (declared or "Transfer-Encoding" in response.headers)


def _retry_after(value: str | None, attempt: int) -> float:
    seconds = retry_after_seconds(value)
    return min(seconds, MAX_RETRY_AFTER_S) if seconds is not None else min(2.0**attempt, 8.0)


def _from_environment(session: requests.Session, url: str) -> None:
    """Read proxies and the CA bundle from the environment once, not on every request: requests' per-request
    look-up (`trust_env`) was a sixth of the client's time per request in profiles."""
    settings = session.merge_environment_settings(url, {}, None, None, None)  # honours NO_PROXY for the target
    session.trust_env = False
    session.proxies.update(settings.get("proxies") or {})
    if isinstance(settings.get("verify"), str):
        session.verify = settings["verify"]


def make_session(
    *,
    rate_limit: float | None,
    handle: Handler | None = None,
    base_url: str = "",
    tls: TLS | None = None,
) -> PoliteSession:
    session = PoliteSession(rate_limit)
    _from_environment(session, base_url or "https://example.invalid/")
    apply_tls(session, tls or TLS(), "" if handle is not None else base_url)
    if handle is not None:
        session.mount(base_url.rstrip("/") + "/", InProcessAdapter(handle))
    session.headers["User-Agent"] = "voipbin-conformance"
    return session
