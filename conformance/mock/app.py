"""The embedded mock VoIPBIN target: any VoIPBIN-style spec served as a conformant, stateful API.

`MockApp.handle()` is the whole behaviour; `MockApp` is also a WSGI app, so the same code answers in-process
(the engine's adapter calls `handle` directly, no socket) and over HTTP (`conformance.mock.server`). The rooms:
`_routes` (which operation), `_auth` (who), `_validation` (what was sent), `_handlers` + `_store` (what it does),
`_render` (how it answers), `_wire` (the response type); faults are `faults.F` flags read where they bend a rule.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from conformance.mock._auth import Authority, Customer, authenticate
from conformance.mock._handlers import Handlers
from conformance.mock._render import Render
from conformance.mock._routes import Kind, Router, Unserved
from conformance.mock._store import Store
from conformance.mock._validation import RequestReader, parse_json
from conformance.mock._wire import MockResponse, Reject, answer_headers
from conformance.mock.faults import F, validate_faults
from conformance.openapi import Spec
from conformance.profiles import Profile

SEED_ITEMS = 7
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized"}
_REASONS |= {404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error"}
_REASONS |= {307: "Temporary Redirect", 405: "Method Not Allowed"}

__all__ = ["MockApp", "MockResponse"]


class MockApp:
    def __init__(
        self,
        spec: Spec,
        *,
        profile: Profile,
        faults: Iterable[str] = (),
        seed: int = 0,
        token: str | None = None,
        accesskey: str | None = None,
        other_token: str | None = None,
        rate_limit: float | None = None,
        seed_items: int = SEED_ITEMS,
        login: tuple[str, str] | None = None,
        other_login: tuple[str, str] | None = None,
    ) -> None:
        self.spec, self.profile, self.seed = spec.follow(profile.page_params, profile.result_field), profile, seed
        self.faults = validate_faults(tuple(faults))
        self.auth = Authority(seed, token=token, accesskey=accesskey, other_token=other_token)
        # (username, password) that POST /auth/login at the root accepts, for the first and the second customer
        self.logins = {pair: n for n, pair in enumerate((login, other_login)) if pair is not None}
        self.store = Store(spec.document, profile, self.faults, self.customers, seed=seed, seed_items=seed_items)
        self.reader = RequestReader(spec.document, profile, self.faults)
        self.render = Render(spec.document, profile, self.faults)
        self.handlers = Handlers(spec, self.store, self.render, self.reader, seed)
        self.router = Router(spec)
        self._lock = threading.Lock()
        self._rate = rate_limit
        self._bucket = (rate_limit or 0.0, time.monotonic())

    @property
    def customers(self) -> tuple[Customer, Customer]:
        return self.auth.customers

    def expired_token(self) -> str:
        return self.auth.issue(self.customers[0].id, expired=True)

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> MockResponse:
        """Answer one request. `headers` have lower-case names; `path` is percent-decoded."""
        request_id = f"req_{uuid.uuid4().hex[:20]}"
        with self._lock:
            try:
                return self._handle(method.upper(), path, query, headers, body)
            except Reject as exc:
                return self.render.error(exc.status, exc.reason, exc.message, request_id)
            except Exception as exc:  # a mock bug must still answer in the envelope, never a traceback page
                return self.render.error(500, "INTERNAL", f"mock error: {type(exc).__name__}: {exc}", request_id)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        raw_path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        response = self.handle(environ["REQUEST_METHOD"], raw_path, environ.get("QUERY_STRING", ""), headers, body)
        start_response(f"{response.status} {_REASONS.get(response.status, 'Status')}", answer_headers(response))
        return [response.body]

    def _handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> MockResponse:
        self._take_token()
        if method == "POST" and path == "/auth/login":
            return self._login(body)
        try:
            route, path_values = self.router.match(method, path)
        except Unserved as exc:
            if F.METHOD_NOT_ALLOWED_405 in self.faults:  # as Prism: 405, which no revision of the docs names
                raise Reject(405, "METHOD_NOT_ALLOWED", exc.message) from exc
            raise
        params = parse_qs(query, keep_blank_values=True)
        if F.NO_AUTHENTICATION in self.faults:
            customer: Customer | None = self.customers[0]
        else:
            customer = authenticate(self.auth, self.profile, self.faults, headers, params)
        if customer is None and F.AUTH_OPEN_OPERATION in self.faults and route.kind == Kind.LIST:
            customer = self.customers[0]
        if customer is None:
            raise Reject(401, "AUTHENTICATION_REQUIRED", "no token or access key was supplied")
        if F.SERVER_ERROR_ON_LONG_STRINGS in self.faults and self.reader.has_long_string(params, path_values, body):
            raise Reject(500, "INTERNAL", "string too long for a fixed-size buffer")
        values = self.reader.params(route, path_values, params)
        payload = self.reader.body(route, headers, body)
        return self.handlers.by_kind[route.kind](route, customer, values, payload)

    def _take_token(self) -> None:
        if not self._rate:
            return
        tokens, last = self._bucket
        now = time.monotonic()
        tokens = min(self._rate, tokens + (now - last) * self._rate)
        if tokens < 1:
            self._bucket = (tokens, now)
            raise Reject(429, "RATE_LIMIT_EXCEEDED", f"more than {self._rate:g} requests per second")
        self._bucket = (tokens - 1, now)

    def _login(self, body: bytes) -> MockResponse:
        """auth_overview-2026-08-22: username/password for the customer's JWT and, as the live server does
        (bin-api-manager PostLogin), the same JWT in a Secure, HttpOnly token cookie; any failure is a bare 400."""
        try:  # bounded as every body is (nesting, size); any body that does not bind is the same bare 400
            sent = parse_json(body) if body else None
        except ValueError:
            sent = None
        given = (sent.get("username"), sent.get("password")) if isinstance(sent, dict) else None
        if given is None or not all(isinstance(part, str) for part in given) or given not in self.logins:
            return MockResponse(400, [], b"")  # as the live PostLogin: AbortWithStatus(400), no body
        customer = self.customers[self.logins[given]]
        body_out = json.dumps({"username": given[0], "token": customer.token}).encode()
        cookie = f"token={customer.token}; Path=/; Max-Age={7 * 24 * 3600}; Secure; HttpOnly; SameSite=Strict"
        return MockResponse(200, [("Content-Type", "application/json"), ("Set-Cookie", cookie)], body_out)
