"""Judging traffic the suite did not send (`judge` a HAR, `proxy`): each exchange matched to the spec's operation by
method and path template (the server's base path stripped), then judged exactly as a run judges what it sent —
`EngineClient.judge_recorded`, every response check whose `applies` accepts it — and fed to the observers of the
checks whose conventions sequences in traffic can show (`checks.traffic`). An exchange under the API's base path
that matches no operation is counted, listed, and fed to the observers alone (labelled by its own method and path,
which name no operation): what it shows of unknown routes and unserved methods; no response check judges it.

Credentials come with the traffic, not from the user: every credential a request or an answer carries (the
profile's channels, credential-like headers and cookies, a login's body, a token an answer hands out) is learned
as it passes and redacted from then on, in findings, reports, the console and a recorded HAR alike.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.checks import CHECKS, Check, Exchange, Observed, observing
from conformance.checks.traffic import PLACEHOLDERS
from conformance.client.client import EngineClient
from conformance.config import is_secret_header
from conformance.engine.runtime import Runtime
from conformance.openapi import Operation, Spec, match_path
from conformance.options import MIN_CREDENTIAL
from conformance.redact import Redactor, header_variable
from conformance.results.finding import Finding, Recorder

LISTED = 100  # unmatched requests named one by one (by method and path); the rest are counted
MIN_LEARNED = 4  # shorter, and a value is no credential (`1`, `abc`): a password is learned whatever its length
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_PLACEHOLDER = re.compile(r"^(\$\{[A-Z0-9_]+\}|\[REDACTED\])$")


class Routes:
    """Which operation a request is for: its method and path template, static segments before parameters
    (`/calls/stats` before `/calls/{id}`), under `base_url` where one is given, else under the spec's base path."""

    def __init__(self, spec: Spec, base_url: str | None = None) -> None:
        self._base, self._prefix = spec.base_path, (base_url or "").rstrip("/")
        self._by: dict[tuple[str, int], list[Operation]] = {}
        ordered = sorted(spec.shape.operations, key=lambda op: (op.path.count("{"), -len(op.path)))
        for operation in ordered:
            self._by.setdefault((operation.method, operation.path.count("/")), []).append(operation)

    def path(self, url: str) -> str | None:
        """The operation path a URL asks for, or None when it is not the API's (another scheme, host, port or
        prefix than `base_url`'s)."""
        path = urlsplit(url).path
        if self._prefix:
            prefix = urlsplit(self._prefix)
            if _origin(url) != _origin(self._prefix) or not (path + "/").startswith(prefix.path + "/"):
                return None
            path = path[len(prefix.path) :]
        if self._base and (path + "/").startswith(self._base + "/"):
            path = path[len(self._base) :]
        elif self._base and not self._prefix:
            return None
        return path or "/"

    def under_base(self, url: str) -> bool:
        """Whether a URL asks for something under the API's base path (/v1.0/…): an API route, served or not. A
        `base_url` that names the base itself (…/v1.0) declares everything under it the API's; a spec without a base
        path and no `base_url` name none, so a front end's own pages are never taken for the API's routes (nor
        POST /auth/login at the host root)."""
        root = urlsplit(self._prefix).path.rstrip("/") if self._prefix else ""
        if self._prefix and (not self._base or root.endswith(self._base)):
            return True
        rest = urlsplit(url).path[len(root) :]
        return bool(self._base) and (rest + "/").startswith(self._base + "/")

    def operation(self, method: str, path: str) -> str | None:
        for operation in self._by.get((method, path.count("/")), []):
            if match_path(operation.path, path) is not None:
                return operation.label
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default where none is written): what makes two URLs the same server."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class Secrets:
    """The credentials the traffic carried, learned as it passes: each under a variable a repro can name
    (`VOIPBIN_TOKEN`, `VOIPBIN_TOKEN_2`, …), so one customer's requests stay told apart from another's. However
    many there are (a token rotated on every request), each is added to the one redactor once, in time of its own
    spellings: nothing is rebuilt, and nothing stops being learned."""

    def __init__(self, profile: Any, known: dict[str, str]) -> None:
        self._profile = profile
        self.redactor = Redactor(known)
        self._seen = set(known.values())
        self._next: dict[str, int] = {}  # variable -> the next number to try after it
        # Data that only looks like a credential by its name: a page token is data, and stays in a repro.
        self._data = {n.lower() for n in (*profile.page_params, profile.next_token_field)}

    def learn(self, exchange: Exchange) -> None:
        for name, value in self._found(exchange):
            value = value.strip()
            if value in self._seen or not _worth(name, value):
                continue
            self._seen.add(value)
            self.redactor.add(self._variable(name), value)

    def _variable(self, name: str) -> str:
        n = self._next.get(name, 1)
        variable = name if n == 1 else f"{name}_{n}"
        while variable in self.redactor.named:
            n += 1
            variable = f"{name}_{n}"
        self._next[name] = n + 1
        return variable

    def _found(self, exchange: Exchange) -> Iterator[tuple[str, str]]:
        mechanisms = {m.name.lower(): m for m in self._profile.auth_mechanisms}
        for name, value in exchange.request_headers.items():
            if name.lower() in self._data:
                continue
            if name.lower() == "cookie":
                yield from self._cookies(value, mechanisms)
            elif is_secret_header(name):
                yield from _header_secrets(_variable(name, mechanisms), value)
        parts = urlsplit(exchange.url)
        if parts.password:  # http://user:password@host/
            yield from (("VOIPBIN_PASSWORD", p) for p in {parts.password, unquote(parts.password)})
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name.lower() not in self._data and (name.lower() in mechanisms or is_secret_header(name)):
                yield _variable(name, mechanisms), value
        for name, value in exchange.response_headers.items():
            if name == "set-cookie":  # several, joined by commas: each cookie's name=value comes before its ';'
                for cookie in re.split(r",\s*(?=[^;,=\s]+=)", value):
                    yield from self._cookies(cookie.split(";", 1)[0], mechanisms)
        for body in (exchange.request_body, exchange.response_body):
            yield from ((n, v) for n, v in _body_secrets(body, mechanisms, self._data))

    def _cookies(self, header: str, mechanisms: dict[str, Any]) -> Iterator[tuple[str, str]]:
        """Every cookie that is a credential by its name (a session, a CSRF token) or looks like one."""
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            wanted = name.lower() in mechanisms or is_secret_header(name) or _SESSION_COOKIE.search(name.lower())
            if sep and name.lower() not in self._data and (wanted or len(value) >= MIN_CREDENTIAL):
                yield _variable(name, mechanisms), value


# Cookie names a session or a CSRF token goes by that is_secret_header does not know (PHPSESSID, connect.sid).
_SESSION_COOKIE = re.compile(r"sess|sid|csrf|xsrf|remember|login|^id$")


def _header_secrets(variable: str, value: str) -> Iterator[tuple[str, str]]:
    """A credential header's value, the credential after its scheme, and a Basic pair and its password."""
    scheme, _, rest = value.strip().partition(" ")
    if not (rest and scheme.isalpha()):
        yield variable, value
        return
    yield variable, rest.strip()
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return
        yield variable, pair
        if pair.partition(":")[2]:
            yield "VOIPBIN_PASSWORD", pair.partition(":")[2]


def _variable(name: str, mechanisms: dict[str, Any]) -> str:
    mechanism = mechanisms.get(name.lower())
    if mechanism is not None:
        return f"VOIPBIN_{mechanism.credential.upper()}"
    squeezed = re.sub(r"[^a-z]", "", name.lower())
    return "VOIPBIN_PASSWORD" if "pass" in squeezed else header_variable(name)


def _worth(name: str, value: str) -> bool:
    """A value worth redacting: not a placeholder (`Bearer undefined`, an already redacted `${VOIPBIN_TOKEN}`), and
    not so short that it is no credential (`1`); a password whatever its length (the redactor redacts a short one
    only where it stands as a value)."""
    if not value or _PLACEHOLDER.match(value) or value.strip("\"'").lower() in PLACEHOLDERS:
        return False
    return name == "VOIPBIN_PASSWORD" or len(value) >= MIN_LEARNED


def _body_secrets(body: bytes | None, mechanisms: dict[str, Any], plain: set[str]) -> Iterator[tuple[str, str]]:
    """Credential-like fields of a body, JSON (at any depth, a bounded number of them) or a form (a login's
    password, the token it answers, an accesskey a create hands out), and any JWT in it."""
    if not body or len(body) > 1024 * 1024:
        return
    text = body.decode("utf-8", "replace")
    yield from (("VOIPBIN_TOKEN", jwt) for jwt in _JWT.findall(text))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = dict(parse_qsl(text)) if _FORM.fullmatch(text.strip()) else None
    stack, budget = [data], 10_000
    while stack and budget > 0:
        obj = stack.pop()
        budget -= 1
        children = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, value in children:
            if isinstance(value, dict | list):
                stack.append(value)
            elif (
                isinstance(value, str) and isinstance(key, str) and key.lower() not in plain and _credential_field(key)
            ):
                yield _variable(key, mechanisms), value


_FORM = re.compile(r"[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*")


def _credential_field(key: str) -> bool:
    squeezed = re.sub(r"[^a-z]", "", key.lower())
    return squeezed in (
        "token",
        "accesskey",
        "password",
        "secret",
        "jwt",
        "apikey",
        "passwd",
        "pwd",
    ) or squeezed.endswith(("token", "password", "secret"))


@dataclass
class Unmatched:
    """Requests the spec has no operation for (listed by method and path), and those that are not the API's."""

    by_route: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    outside: int = 0

    def add(self, exchange: Exchange, path: str | None) -> None:
        if path is None:
            self.outside += 1
            return
        key = (exchange.method, urlsplit(exchange.url).path)
        if key in self.by_route or len(self.by_route) < LISTED:
            self.by_route[key] += 1
            if exchange.status is not None:
                self.statuses.setdefault(key, set()).add(exchange.status)
        else:
            self.by_route[("…", "other routes")] += 1

    def as_dict(self) -> dict[str, Any]:
        listed = [
            {"method": m, "path": p, "count": n, "statuses": sorted(self.statuses.get((m, p), ()))}
            for (m, p), n in self.by_route.most_common()
        ]
        return {"count": sum(self.by_route.values()), "requests": listed, "outside_api": self.outside}


class TrafficJudge:
    """Judges exchanges one by one (thread-safe: the proxy's connections share one), keeping per operation what a
    run's test of it would keep (a Recorder), and what the observers found in sequences."""

    def __init__(self, runtime: Runtime, *, base_url: str | None = None) -> None:
        self.runtime, self.routes = runtime, Routes(runtime.spec, base_url)
        enabled, profile = runtime.enabled_checks, runtime.profile
        self.observers = [
            (check, check.observer(profile, runtime.spec))
            for check in observing()
            if check.observer is not None and check.id in enabled and check.part_of(profile)
        ]
        self.secrets = Secrets(profile, {**Redactor.from_environment().named, **runtime.redactor.named})
        runtime.redactor = self.secrets.redactor  # one redactor, learning as the traffic passes
        self.clients: dict[str, EngineClient] = {}
        self.sequences = EngineClient(runtime, Recorder())
        self.unmatched = Unmatched()
        self.counts: Counter[str] = Counter()  # judged, unanswered, unrecorded, not_api
        self.lock = threading.Lock()

    def judge(self, exchange: Exchange, kind: str = "answered") -> list[Finding]:
        """Judge one exchange; returns the findings it showed first (a fingerprint not seen before)."""
        with self.lock:
            self.secrets.learn(exchange)
            before = self._fingerprints()
            self._judge(exchange, kind)
            return [f for f in self._findings() if f.fingerprint not in before]

    def _judge(self, exchange: Exchange, kind: str) -> None:
        if kind != "answered":
            self.counts[kind] += 1
            return
        path = self.routes.path(exchange.url)
        label = self.routes.operation(exchange.method, path) if path is not None else None
        if label is None:
            self.unmatched.add(exchange, path)
            if path is not None and self.routes.under_base(exchange.url):
                exchange.operation = f"{exchange.method} {path}"  # no operation's: only the observers look
                self._observe(exchange)
            return
        exchange.operation = label
        self.counts["judged"] += 1
        client = self.clients.get(label) or self.clients.setdefault(label, EngineClient(self.runtime, Recorder()))
        client.recorder.cases += 1
        client.judge_recorded(exchange)
        self._observe(exchange)

    def _observe(self, exchange: Exchange) -> None:
        for check, observer in self.observers:
            for observed in observer.see(exchange):
                self._observed(check, observed)

    def _observed(self, check: Check, observed: Observed) -> None:
        self.sequences.recorder.tally(check.id, bool(observed.fails))
        for fail in observed.fails:
            self.sequences.record(check.id, observed.operation, fail)

    def finish(self) -> None:
        """The traffic is over: what the observers could only judge once all of it was seen, and why not."""
        with self.lock:
            for check, observer in self.observers:
                for observed in observer.finish():
                    self._observed(check, observed)
                self.sequences.recorder.notes.extend(f"{check.id}: {note}" for note in observer.notes)

    def _findings(self) -> Iterator[Finding]:
        for client in [*self.clients.values(), self.sequences]:
            yield from client.recorder.findings.values()

    def _fingerprints(self) -> set[str]:
        return {finding.fingerprint for finding in self._findings()}

    def payloads(self) -> list[dict[str, Any]]:
        """What each test of a run hands the reports, for every operation the traffic reached and its sequences."""
        found = [{"kind": "operation", "operation": label, **c.recorder.as_dict()} for label, c in self.clients.items()]
        return [*found, {"kind": "traffic", "operation": "traffic", **self.sequences.recorder.as_dict()}]

    def summary(self) -> dict[str, Any]:
        return {
            "entries": sum(self.counts.values()) + self.unmatched.as_dict()["count"] + self.unmatched.outside,
            "judged": self.counts["judged"],
            "unanswered": self.counts["unanswered"],
            "unrecorded": self.counts["unrecorded"],
            "not_api": self.counts["not_api"],
            "unmatched": self.unmatched.as_dict(),
            "spec_operations": len(self.runtime.spec.shape.operations),
            "operations_reached": len(self.clients),
        }


def traffic_checks() -> list[Check]:
    """The checks traffic can judge: every response check, and those with an observer."""
    return [check for check in CHECKS.values() if check.kind == "response" or check.observer is not None]
