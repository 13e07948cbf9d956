"""What the client needs of the target it talks to: the run's `engine.runtime.Runtime` is one (structurally), so
the client never imports the engine that drives it."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from conformance.checks import Auth, Credentials, Limits
from conformance.client.transport import PoliteSession
from conformance.config import Config
from conformance.openapi import Spec
from conformance.profiles import Profile
from conformance.redact import Redactor


class Target(Protocol):
    config: Config
    spec: Spec
    profile: Profile
    base_url: str
    session: PoliteSession
    credentials: Credentials
    redactor: Redactor
    cleanup_lock: threading.Lock
    created: dict[str, tuple[str, Auth]]  # item path -> (its DELETE operation, the credentials)
    sent: int
    unreachable_streak: int
    silent: dict[tuple[str, str], int]
    silent_kinds: dict[str, set[str]]
    answered_kinds: set[str]
    answering: set[str]
    sent_requests: set[int]  # each request's identity hashed (Outgoing.identity)

    @property
    def enabled_checks(self) -> frozenset[str]: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def examples(self) -> Any: ...  # engine's Examples: `get(operation, client)` -> a valid request

    @property
    def schemathesis_operations(self) -> Any: ...

    def headers_for(self, auth: Auth) -> dict[str, str]: ...

    def apply_auth(self, auth: Auth, headers: dict[str, str], params: dict[str, Any]) -> None: ...

    def record(self, exchange: Any) -> None: ...
