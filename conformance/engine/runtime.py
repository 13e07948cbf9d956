"""A run's moving parts, built once per pytest process from a `Config`: spec, profile, target, session."""

from __future__ import annotations

import hashlib
import http.cookiejar
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.checks import DEFAULT_AUTH, Auth, Credentials, Limits, selected
from conformance.client.login import login
from conformance.client.tls import TLS
from conformance.client.transport import PoliteSession, make_session
from conformance.config import Config
from conformance.data import bundled_spec_path
from conformance.engine._examples import Examples
from conformance.engine._hypothesis_setup import own_hypothesis
from conformance.openapi import Collection, Operation, Spec, load_spec
from conformance.profiles import Profile, load_profile
from conformance.redact import Redactor, credential_parts, header_variable
from conformance.spread import Spread

_TRANSPORT_PREFERENCE = ("header", "query", "cookie")
# In-process runs address the mock where `voipbin-conformance mock` serves by default, so every repro of the
# run works as given against that command (results.json summary.mock_command names it).
MOCK_PORT = 8000
MOCK_BASE = f"http://127.0.0.1:{MOCK_PORT}"


@dataclass
class Runtime:
    config: Config
    spec: Spec
    profile: Profile
    base_url: str
    session: PoliteSession
    credentials: Credentials
    redactor: Redactor
    mock: Any = None
    server: Any = None
    cleanup_lock: threading.Lock = field(default_factory=threading.Lock)
    # What this process created and has not deleted yet: item path -> (its DELETE operation, the credentials).
    created: dict[str, tuple[str, Auth]] = field(default_factory=dict)
    sent: int = 0  # requests this process sent
    unreachable_streak: int = 0  # requests in a row the target did not even accept a connection for
    # (operation, request shape) -> requests of that shape it left unanswered in a row (client/client.SILENT_AFTER)
    silent: dict[tuple[str, str], int] = field(default_factory=dict)
    # a kind of request (client/client._kind) -> the operations that left it unanswered; the kinds some answered
    silent_kinds: dict[str, set[str]] = field(default_factory=dict)
    answered_kinds: set[str] = field(default_factory=set)
    answering: set[str] = field(default_factory=set)  # operations that answered a request of any kind
    sent_requests: set[int] = field(default_factory=set)  # each request's identity hashed: no case is a repeat
    har: Any = None  # --record-har: where every exchange of this process goes (client/har.Writer)

    def record(self, exchange: Any) -> None:
        """--record-har: the exchange as a HAR entry, credentials as `${VOIPBIN_TOKEN}`-style references (still
        telling one customer's requests from the other's), never in the clear."""
        if self.har is not None and not (exchange.error or "").startswith("not sent"):
            self.har.add(exchange)

    @property
    def target_label(self) -> str:
        if self.config.base_url is not None:
            return self.config.base_url
        return f"embedded mock ({'HTTP ' + self.base_url if self.server else 'in-process'})"

    @cached_property
    def gateway_headers(self) -> dict[str, str]:
        """The -H headers every request carries: all but what the API reads as credentials (its auth headers, its
        credential cookies), which are the run's own credentials and go only on requests meant to carry valid ones
        — never on a probe that must go without credentials or with invalid ones. A gateway's key stays on all."""
        mechanisms = self.profile.auth_mechanisms
        api_headers = {m.name.lower() for m in mechanisms if m.location == "header"}
        api_cookies = {m.name for m in mechanisms if m.location == "cookie"}
        kept: dict[str, str] = {}
        for name, value in self.config.extra_headers.items():
            if name.lower() == "cookie":
                value = "; ".join(c for c in value.split(";") if c.strip().partition("=")[0] not in api_cookies)
            if name.lower() not in api_headers and value.strip():
                kept[name] = value
        return kept

    def headers_for(self, auth: Auth) -> dict[str, str]:
        """The -H headers for a request presenting `auth`: all of them with the run's own credentials."""
        return dict(self.config.extra_headers if auth == DEFAULT_AUTH else self.gateway_headers)

    def apply_auth(self, auth: Auth, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Place `auth`'s credential on a request as the profile says: the mechanism asked for, or the run's
        default transport (a header where the profile has one, as the docs show first)."""
        if auth.who == "none":
            return
        creds = self.credentials
        values = {
            "token": creds.other_token if auth.who == "other" else creds.token,
            "accesskey": None if auth.who == "other" else creds.accesskey,
        }
        mechanisms = self.profile.auth_mechanisms
        if auth.mechanism is not None:
            chosen = next((m for m in mechanisms if m.id == auth.mechanism), None)
        else:  # the default transport: a documented header where the profile has one, as the docs show first
            usable = [m for m in mechanisms if values.get(m.credential)]  # the docs' channels first, a live-only last
            usable = [m for m in usable if m.documented] or usable
            chosen = min(usable, key=lambda m: _TRANSPORT_PREFERENCE.index(m.location), default=None)
        if chosen is None:
            return
        value = auth.value if auth.value is not None else values.get(chosen.credential)
        if value is None:
            return
        if chosen.location == "header":
            headers[chosen.name] = chosen.render(value)
        elif chosen.location == "cookie":
            cookie = f"{chosen.name}={chosen.render(value)}"
            headers["Cookie"] = f"{headers['Cookie']}; {cookie}" if headers.get("Cookie") else cookie
        else:
            params[chosen.name] = chosen.render(value)

    @cached_property
    def enabled_checks(self) -> frozenset[str]:
        return selected(self.config.checks, self.config.exclude_checks)

    @cached_property
    def limits(self) -> Limits:
        spread = Spread(self.operations, lambda op: op.label) if self.config.auth_probes == "spread" else None
        return Limits(allow_writes=self.config.writes_allowed, spread=spread)

    @cached_property
    def examples(self) -> Examples:
        return Examples(self)

    @cached_property
    def schemathesis_schema(self) -> Any:
        import schemathesis

        return schemathesis.openapi.from_dict(self.spec.document)

    @cached_property
    def schemathesis_operations(self) -> _LazyOperations:
        return _LazyOperations(self.schemathesis_schema)

    def _wanted(self, label: str) -> bool:
        if self.config.include and not re.search(self.config.include, label):
            return False
        if self.config.exclude and re.search(self.config.exclude, label):
            return False
        shard = self.config.shard_index
        return shard is None or in_shard(label, *shard)

    def selected(self, operations: list[Operation]) -> list[Operation]:
        return [op for op in operations if self._wanted(op.label)]

    @cached_property
    def operations(self) -> list[Operation]:
        return self.selected(self.spec.shape.operations)

    @cached_property
    def list_operations(self) -> list[Operation]:
        return self.selected(self.spec.shape.list_operations)

    @cached_property
    def collections(self) -> list[Collection]:
        """The selected collections that can be read one by one (a create, where there is one, is their label)."""
        return [
            c for c in self.spec.shape.collections if c.read is not None and self._wanted((c.create or c.read).label)
        ]

    def seed_for(self, label: str) -> int:
        digest = hashlib.sha256(f"{self.config.seed}:{label}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        if self.har is not None:
            self.har.close()
        self.session.close()


class _LazyOperations:
    """schemathesis operations by "METHOD /path", built on first use: a run of 10 operations of a 410-operation
    spec need not pay (in time and memory) for the other 400."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema
        self._cache: dict[str, Any] = {}

    def get(self, label: str, default: Any = None) -> Any:
        """The operation, or `default`. One not in the spec is looked up in its paths first: schemathesis' own
        miss measures the whole spec (every operation) to suggest a name, each time (160 s for 20,000 paths)."""
        if label not in self._cache:
            method, _, path = label.partition(" ")
            self._cache[label] = self._load(method, path) if self._declares(method, path) else None
        return self._cache[label] if self._cache[label] is not None else default

    def _declares(self, method: str, path: str) -> bool:
        paths = self._schema.raw_schema.get("paths")
        item = paths.get(path) if isinstance(paths, Mapping) else None
        return isinstance(item, Mapping) and ("$ref" in item or method.lower() in {str(k).lower() for k in item})

    def _load(self, method: str, path: str) -> Any:
        try:
            return self._schema[path][method]
        except Exception:  # not loadable: the probes still run; the note says why
            return None

    def __getitem__(self, label: str) -> Any:
        found = self.get(label)
        if found is None:
            raise KeyError(label)
        return found


def in_shard(label: str, index: int, total: int) -> bool:
    """A stable split: the same label lands in the same shard whatever else the spec holds."""
    digest = hashlib.sha256(label.encode()).digest()
    return int.from_bytes(digest[:8], "big") % total == index - 1


def resolve_seed(config: Config) -> int:
    return config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)


def build_runtime(config: Config) -> Runtime:
    selected(config.checks, config.exclude_checks)  # an unknown check id is bad input: say so before anything
    own_hypothesis()  # before anything draws or loads: every process that draws builds a runtime
    spec = load_spec(config.spec or str(bundled_spec_path()), timeout=max(config.request_timeout, 10.0))
    profile = load_profile(config.profile)
    spec.follow(profile.page_params, profile.result_field)
    mock = server = None
    if config.uses_mock:
        from conformance.mock import MockApp

        mock = MockApp(spec, profile=profile, faults=config.mock_faults, seed=config.seed or 0)
        customer, other = mock.customers
        credentials = Credentials(customer.token, customer.accesskey, other.token, mock.expired_token())
        if config.mock_http:
            from conformance.mock.server import serve_in_thread

            server = serve_in_thread(mock, "127.0.0.1", 0)
            base_url = f"http://127.0.0.1:{server.port}{spec.base_path}"
            session = _session(config, base_url)
        else:
            base_url = MOCK_BASE + spec.base_path
            session = _session(config, MOCK_BASE, handle=mock.handle)
    else:
        assert config.base_url is not None
        base_url = config.base_url.rstrip("/")
        session = _session(config, base_url)
        token = config.token or (login(session, config, config.username, config.password) if config.username else None)
        other_token = config.other_token
        if other_token is None and config.other_username:
            other_token = login(session, config, config.other_username, config.other_password)
        credentials = Credentials(token, config.accesskey, other_token)
    redactor = redactor_for(config, credentials)
    runtime = Runtime(config, spec, profile, base_url, session, credentials, redactor, mock, server)
    if config.record_har:
        from conformance.client.har import Writer

        runtime.har = Writer(config.record_har, redactor.as_reference, config.extra_headers)
    return runtime


def passive_runtime(config: Config, upstream: str = "") -> Runtime:
    """What judging traffic the suite does not send needs (`judge`, `proxy`): the spec, the profile, and a session
    to `upstream` (the proxy's way to its target: the run's TLS options and bounds, no pacing, no cookie jar). No
    mock, no login, no credentials of its own: the traffic brings its own."""
    spec = load_spec(config.spec or str(bundled_spec_path()), timeout=max(config.request_timeout, 10.0))
    profile = load_profile(config.profile)
    spec.follow(profile.page_params, profile.result_field)
    session = make_session(rate_limit=None, base_url=upstream, tls=TLS.of(config))
    session.cookies.set_policy(_NoCookies())
    session.headers.clear()  # a proxy adds nothing of its own to what the client sends
    session.max_bytes, session.default_timeout = config.max_response_bytes, config.request_timeout
    return Runtime(config, spec, profile, upstream, session, Credentials(), redactor_for(config))


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """No cookie jar: every request carries exactly the credentials it means to. The live login answers
    Set-Cookie: token=… and the live server reads that cookie first, so a jar would put valid credentials on every
    probe meant to go without them or with invalid ones (and a target's cookies into later requests)."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


def _session(config: Config, base_url: str, handle: Any = None) -> PoliteSession:
    """The run's session, bounded as the config says from its first request (the login included)."""
    tls = TLS.of(config)
    session = make_session(rate_limit=config.effective_rate_limit, handle=handle, base_url=base_url, tls=tls)
    session.cookies.set_policy(_NoCookies())
    session.max_bytes = config.max_response_bytes
    session.default_timeout = config.request_timeout
    if config.max_time is not None:
        session.run_deadline = time.monotonic() + config.max_time
    if config.max_requests is not None:
        session.requests_left = max(1, config.max_requests // max(1, config.workers))
    return session


def redactor_for(config: Config, credentials: Credentials | None = None) -> Redactor:
    """Every secret of a run, named by the environment variable a repro reads it from: the credentials in use
    (a login's token included), the password, and credential-like extra headers."""
    creds = credentials or Credentials(config.token, config.accesskey, config.other_token)
    return Redactor(
        {
            "VOIPBIN_TOKEN": creds.token,
            "VOIPBIN_ACCESSKEY": creds.accesskey,
            "VOIPBIN_OTHER_TOKEN": creds.other_token,
            "VOIPBIN_EXPIRED_TOKEN": creds.expired_token if config.uses_mock else None,
            "VOIPBIN_PASSWORD": config.password,
            "VOIPBIN_OTHER_PASSWORD": config.other_password,
            **{header_variable(name): value for name, value in config.secret_headers.items()},
            **{
                f"{header_variable(name)}_PART{n}": part
                for name, value in config.secret_headers.items()
                for n, part in enumerate(credential_parts(value))
            },
        }
    )
