"""A run's moving parts, built once per pytest process from a `Config`: spec, profile, target, session."""

from __future__ import annotations

import hashlib
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from conformance._data import bundled_spec_path
from conformance._redact import Redactor, header_variable
from conformance.checks import Auth, Credentials, Limits, selected
from conformance.config import Config, plausible_credential
from conformance.engine._bounded import RunBudgetSpent, TooLarge
from conformance.engine._transport import PoliteSession, make_session
from conformance.errors import SetupError
from conformance.profiles import Profile, load_profile
from conformance.spec import Collection, Operation, Spec, load_spec

if TYPE_CHECKING:
    from conformance.engine._examples import Examples

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

    @property
    def target_label(self) -> str:
        if self.config.base_url is not None:
            return self.config.base_url
        return f"embedded mock ({'HTTP ' + self.base_url if self.server else 'in-process'})"

    @cached_property
    def enabled_checks(self) -> frozenset[str]:
        return selected(self.config.checks, self.config.exclude_checks)

    @property
    def limits(self) -> Limits:
        return Limits(allow_writes=self.config.writes_allowed)

    @cached_property
    def examples(self) -> Examples:
        from conformance.engine._examples import Examples

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
        return [
            c
            for c in self.spec.shape.collections
            if c.create is not None and c.read is not None and self._wanted(c.create.label)
        ]

    def seed_for(self, label: str) -> int:
        digest = hashlib.sha256(f"{self.config.seed}:{label}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        self.session.close()


class _LazyOperations:
    """schemathesis operations by "METHOD /path", built on first use: a run of 10 operations of a 410-operation
    spec need not pay (in time and memory) for the other 400."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema
        self._cache: dict[str, Any] = {}

    def get(self, label: str, default: Any = None) -> Any:
        if label not in self._cache:
            method, _, path = label.partition(" ")
            try:
                self._cache[label] = self._schema[path][method]
            except Exception:  # not loadable: the probes still run; the note says why
                self._cache[label] = None
        return self._cache[label] if self._cache[label] is not None else default

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


def _hypothesis_home() -> None:
    """Hypothesis keeps caches (the constants it mines from local modules) under `.hypothesis/` in the working
    directory. A fresh directory — every CI checkout — rebuilt them on every run: +1.3 s and +200 MB for a
    10-operation run. One per-user cache keeps them, and keeps users' directories clean."""
    from hypothesis.configuration import set_hypothesis_home_dir

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    set_hypothesis_home_dir(Path(base) / "voipbin-conformance" / "hypothesis")


def build_runtime(config: Config) -> Runtime:
    selected(config.checks, config.exclude_checks)  # an unknown check id is bad input: say so before anything
    _hypothesis_home()
    spec = load_spec(config.spec or str(bundled_spec_path()), timeout=max(config.request_timeout, 10.0))
    profile = load_profile(config.profile)
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
        token = config.token or (login(session, config) if config.username else None)
        credentials = Credentials(token, config.accesskey, config.other_token)
    redactor = redactor_for(config, credentials)
    return Runtime(config, spec, profile, base_url, session, credentials, redactor, mock, server)


def _session(config: Config, base_url: str, handle: Any = None) -> PoliteSession:
    """The run's session, bounded as the config says from its first request (the login included)."""
    session = make_session(rate_limit=config.effective_rate_limit, handle=handle, base_url=base_url)
    session.max_bytes = config.max_response_bytes
    session.default_timeout = config.request_timeout
    if config.max_time is not None:
        session.run_deadline = time.monotonic() + config.max_time
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
            **{header_variable(name): value for name, value in config.secret_headers.items()},
        }
    )


def login_url(base_url: str) -> str:
    """POST /auth/login is served at the host root, not under the API's /v1.0 (auth_overview-2026-08-22)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/auth/login"


def login(session: PoliteSession, config: Config) -> str:
    """A fresh 7-day JWT from the username and password, so a nightly job never runs on an expired token."""
    url = login_url(config.base_url or "")
    try:
        response = session.post(
            url,
            json={"username": config.username, "password": config.password},
            timeout=config.request_timeout,
            allow_redirects=False,
        )
    except (requests.RequestException, TooLarge, RunBudgetSpent) as exc:
        raise SetupError(f"could not log in at {url}: {type(exc).__name__}", "check --base-url") from None
    try:
        token = response.json().get("token")
    except (ValueError, AttributeError):
        token = None
    if response.status_code != 200 or not isinstance(token, str) or not token:
        raise SetupError(
            f"the target refused the login of {config.username!r} ({response.status_code} on POST {url})",
            "check VOIPBIN_USERNAME / VOIPBIN_PASSWORD",
        )
    return plausible_credential(token, f"the token the login of {config.username!r} answered")


def require_selection(runtime: Runtime) -> None:
    """A run that selects nothing tests nothing, and must not pass: a typo in a CI filter would go green."""
    if runtime.operations:
        return
    config = runtime.config
    chosen = [f"--include {config.include!r}"] if config.include else []
    chosen += [f"--exclude {config.exclude!r}"] if config.exclude else []
    chosen += [f"--shard {config.shard}"] if config.shard else []
    total = len(runtime.spec.shape.operations)
    raise SetupError(
        f"no operation selected: {' '.join(chosen) or 'the spec'} leaves 0 of {total} operations",
        "check the filter against 'METHOD /path' labels, e.g. --include '^GET /calls'",
    )


def preflight(runtime: Runtime) -> None:
    """Before any test: the target answers, and the given credentials are not refused."""
    probe = next((op for op in runtime.spec.shape.list_operations if "{" not in op.path), None)
    url = runtime.base_url + (probe.path if probe else "/")
    headers, params = dict(runtime.config.extra_headers), {}
    creds = runtime.credentials
    if creds.token:
        headers["Authorization"] = f"Bearer {creds.token}"
    elif creds.accesskey:
        params["accesskey"] = creds.accesskey
    try:
        # Not redirected: a redirect to another origin would carry the credentials there.
        response = runtime.session.get(
            url, headers=headers, params=params, timeout=runtime.config.request_timeout, allow_redirects=False
        )
    except requests.Timeout:
        raise SetupError(
            f"target {runtime.target_label} did not answer within {runtime.config.request_timeout:g}s",
            "check --base-url, or raise --request-timeout",
        ) from None
    except TooLarge:
        return  # it answered: the tests will report the oversized body
    except RunBudgetSpent:
        raise SetupError(
            f"--max-time ran out before the target answered the first request ({runtime.session.waited_s:g}s of "
            "429 Retry-After waits)",
            "raise --max-time, or try again when the target is less busy",
        ) from None
    except requests.RequestException as exc:
        reason = type(exc).__name__
        raise SetupError(
            f"target {runtime.target_label} is unreachable ({reason})", "check --base-url and that the API is up"
        ) from None
    if probe is not None and response.status_code == runtime.profile.unauthenticated_status:
        raise SetupError(
            f"the target rejected the given credentials ({response.status_code} on GET {probe.path})",
            "check VOIPBIN_TOKEN / VOIPBIN_ACCESSKEY (tokens expire after 7 days)",
        )
