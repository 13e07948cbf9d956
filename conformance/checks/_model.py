"""What checks see: exchanges (a request and what came back), the context of one operation, and a client.

The engine implements `Client`; checks never send HTTP themselves, so every request they make is recorded,
rate-limited, redacted in reports and passed through the response checks like any other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from conformance.errors import ConformanceError

if TYPE_CHECKING:
    from conformance.openapi import Operation, Spec
    from conformance.profiles import Profile
    from conformance.spread import Spread

NOT_JSON = object()
EXCERPT = 4096  # characters of a target's text a message may quote: findings are redacted, then cut far below


def excerpt(text: str) -> str:
    """A target's text for a message. Never cut short here: a secret cut in half is no longer recognised as one.
    The finding is redacted first and cut after (results/finding), well below this bound on a target's size."""
    return text[:EXCERPT]


MAX_JSON_DEPTH = 200  # deeper bodies are refused before a validator recurses into them


def _depth(value: Any) -> int:
    """How deeply `value` nests, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest


@dataclass
class Exchange:
    """One request and its response (or the reason there was none)."""

    operation: str  # "GET /calls": the spec operation this request exercised
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    response_body: bytes = b""
    error: str | None = None  # "no answer within 5s", "connection refused", ...
    elapsed: float = 0.0
    purpose: str = "generated case"  # what the request was for, shown in reports
    drawn: bool = False  # a random draw: a run with another seed would not send it (boundary cases would)
    started: float | None = None  # when the request went out (epoch seconds): the order of recorded traffic
    _json: Any = field(default=None, repr=False)
    json_problem: str | None = field(default=None, repr=False)  # why a body that looks like JSON was not parsed

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    @property
    def request_media_type(self) -> str:
        """The media type the request said its body is ("" where it said none), lower case."""
        sent = next((v for k, v in self.request_headers.items() if k.lower() == "content-type"), "")
        return sent.split(";")[0].strip().lower()

    @property
    def json(self) -> Any:
        """The parsed body, or `NOT_JSON`."""
        if self._json is None:
            try:
                self._json = json.loads(self.response_body) if self.response_body else NOT_JSON
            except (ValueError, UnicodeDecodeError):
                self._json = NOT_JSON
            except RecursionError:
                self._json, self.json_problem = NOT_JSON, "nested too deeply to parse"
            if self._json is not NOT_JSON and _depth(self._json) > MAX_JSON_DEPTH:
                self._json, self.json_problem = NOT_JSON, f"nested deeper than {MAX_JSON_DEPTH} levels"
        return self._json

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class NotJudged(ConformanceError):
    """A stateful check found nothing to judge here (an empty list to take a resource from, a create the target
    refused): neither a pass nor a finding; the reports list it among what was not judged."""


@dataclass(frozen=True)
class Fail:
    """A check's verdict on one exchange or sequence: what broke, and a key that stays stable across runs.

    `key` identifies the violation for baselines and regression diffs (never the generated values).
    """

    message: str
    key: str
    exchange: Exchange | None = None
    steps: tuple[Exchange, ...] = ()


@dataclass(frozen=True)
class Observed:
    """What a check made of traffic it did not send (a HAR, the proxy): one thing it judged on `operation` (a page
    chain, a credential-less request, a create and the read after it), and how it failed, if it did."""

    operation: str
    fails: tuple[Fail, ...] = ()


class Observer(Protocol):
    """A check's eye on traffic it did not send, fed every exchange in the order the requests went out: what the
    sequences a client happened to send show of a convention the check otherwise tests by sending its own."""

    notes: list[str]  # why something in the traffic could not be judged

    def see(self, exchange: Exchange) -> Iterable[Observed]: ...

    def finish(self) -> Iterable[Observed]:
        """The traffic is over: what could only be judged once all of it was seen."""
        ...


@dataclass(frozen=True)
class Auth:
    """Which credentials a request carries. `mechanism` None means the default one for `who`."""

    who: str = "customer"  # "customer", "other" or "none"
    mechanism: str | None = None
    value: str | None = None  # an explicit (invalid) credential to present instead of the real one

    @classmethod
    def none(cls) -> Auth:
        return cls(who="none")


DEFAULT_AUTH = Auth()


@dataclass
class Request:
    """A request for one operation with path parameters already filled in."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json_body: Any = None
    has_body: bool = False


class Client(Protocol):
    def send(
        self,
        operation: str,
        method: str,
        request: Request,
        *,
        auth: Auth = DEFAULT_AUTH,
        headers: dict[str, str] | None = None,
        raw_body: bytes | None = None,
        purpose: str = "",
        inert: bool = False,
        judge: bool = True,
    ) -> Exchange:
        """Send one request. Where writes are not allowed, a write goes out only if the caller made it `inert`
        (it cannot change state, whatever the target does); any other write is refused before it is sent.
        `judge=False`: the response checks leave the answer to the check that sent it (a request outside the
        spec, an unknown route, whose answer that check alone judges)."""

    def note(self, text: str) -> None:
        """Say in the reports why something was not done (a probe not sent, a step skipped)."""

    def example(self, operation: Operation, path_values: dict[str, str] | None = None) -> Request | None:
        """A valid request for `operation` (path parameters from `path_values` where given)."""

    def track(self, delete_operation: Operation, path: str, auth: Auth = DEFAULT_AUTH) -> None:
        """Remember a resource the run created, so it is deleted at the end whatever happens."""

    def untrack(self, path: str) -> None:
        """The resource at `path` was deleted by the check itself."""


@dataclass
class Credentials:
    token: str | None = None
    accesskey: str | None = None
    other_token: str | None = None
    expired_token: str | None = None  # a correctly signed but expired JWT, when the target can give one


@dataclass
class Limits:
    page_walk_pages: int = 25
    small_page_size: int = 2
    search_page_size: int = 100  # looking for one resource in a list: the largest page VoIPBIN serves
    allow_writes: bool = True
    spread: Spread | None = None  # --auth-probes spread: credentials go to a share of the operations; None: all


@dataclass
class Context:
    """Everything a check may read about the operation under test."""

    profile: Profile
    spec: Spec
    operation: Operation
    client: Client
    credentials: Credentials
    limits: Limits
    example: Request | None = None  # a valid request for this operation, when one could be generated
    schemathesis_operation: Any = None  # schemathesis APIOperation, for response schema validation
    schemathesis_case: Any = None  # the generated schemathesis Case behind an exchange, if any

    @property
    def is_list(self) -> bool:
        return self.spec.shape.is_list(self.operation)

    @property
    def writes(self) -> bool:
        return self.operation.method in ("POST", "PUT", "PATCH", "DELETE")


# The spec's own word for an operation no credentials guard: "This endpoint is unauthenticated".
_SPEC_UNAUTHENTICATED = re.compile(r"(?i)\b(?:endpoint|operation) is unauthenticated\b")


def unauthenticated(profile: Profile, document: dict[str, Any], operation: Operation) -> str | None:
    """Why an operation takes no credentials, where the spec or the profile's docs say so (None: it does):
    `security: []`, a description saying it is unauthenticated, or the docs' list (auth_overview: /auth/signup…).
    No auth check judges it, whether probing or watching traffic."""
    definition = operation.definition
    if definition.get("security") == [] or ("security" not in definition and document.get("security") == []):
        return "the spec declares no security for it (security: [])"
    if _SPEC_UNAUTHENTICATED.search(str(definition.get("description") or "")):
        return "the spec's description says it is unauthenticated"
    doc = profile.unauthenticated_by_docs(operation.path)
    return f"{doc} calls it unauthenticated" if doc else None
