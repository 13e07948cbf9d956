"""The engine's side of `conformance.checks.Client`: it sends, records, and runs the response checks on every
exchange, whichever check asked for it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests

from conformance import interrupts as _stop
from conformance.checks import (
    DEFAULT_AUTH,
    SILENT,
    Attribution,
    Auth,
    Context,
    Exchange,
    Fail,
    Request,
    attribute,
    of_kind,
    once_only_secrets,
)
from conformance.client._bodies import Unencodable, body_as, encoded_body
from conformance.client._outgoing import Outgoing, kind_of
from conformance.client.bounded import RunBudgetSpent, TooLarge
from conformance.client.target import Target
from conformance.errors import ConformanceError
from conformance.openapi import Operation, fill_path, match_path
from conformance.results.finding import Finding, Recorder

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TARGET_GONE_AFTER = 5  # requests in a row refused a connection: the target went away (a deploy restarting)
SILENT_AFTER = 3  # requests of one shape an operation left unanswered in a row: the rest of that shape is not sent
# operations that left one kind of request (a body that is not JSON, say) unanswered while no operation answered
# it: the target never answers that kind, and the rest of it is not sent anywhere (a silence costs once a kind)
SILENT_KIND_AFTER = 3
CONNECTION_FAILED = "connection failed"
CREATED_SECRET = "VOIPBIN_CREATED_SECRET"  # a once-only secret an answer handed out (a new accesskey's token)
NOT_SENT = "not sent"
INTERIM = "only an interim answer"  # a 1xx other than 101: not the target's answer, so nothing to judge


class TargetGone(ConformanceError):
    """The target stopped accepting connections mid-run: the run stops instead of reporting each request."""


class UnsafeWrite(ConformanceError, RuntimeError):
    """A check tried to send a write that could change state on a target that did not allow writes: a bug in
    the suite, stopped before anything left the process."""


class EngineClient:
    def __init__(self, runtime: Target, recorder: Recorder) -> None:
        self.runtime = runtime
        self.recorder = recorder
        self._response_checks = [c for c in of_kind("response") if c.id in runtime.enabled_checks]
        self._cleaning = False  # the clean-up goes out even when --max-time is spent
        self._origins: dict[str, Exchange] = {}  # item path -> the create that made it
        # What was said of requests the target refused a connection for, held until it answers again: if it never
        # does, they were the target going away, not findings.
        self._unjudged: list[Callable[[], None]] = []

    # -- Client protocol ------------------------------------------------------------------------------------------
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
        case: Any = None,
        judge: bool = True,
    ) -> Exchange:
        self._guard(method, inert, purpose)
        return self._send(operation, method, request, auth, headers, raw_body, purpose, case, judge)

    def note(self, text: str) -> None:
        if text not in self.recorder.notes:
            self.recorder.notes.append(text)

    def _guard(self, method: str, inert: bool, purpose: str) -> None:
        """The one gate every request of a check passes: no write that could change state without consent."""
        if method.upper() in WRITE_METHODS and not inert and not self.runtime.config.writes_allowed:
            raise UnsafeWrite(f"refused to send {method} ({purpose or 'request'}): writes are not allowed")

    def _send(
        self,
        operation: str,
        method: str,
        request: Request,
        auth: Auth,
        headers: dict[str, str] | None,
        raw_body: bytes | None,
        purpose: str,
        case: Any,
        judge: bool = True,
    ) -> Exchange:
        headers = {**self.runtime.headers_for(auth), **(headers or {})}
        body = raw_body
        if body is None and (request.has_body or request.json_body is not None):
            known = self.runtime.spec.shape.by_label.get(operation)  # in the operation's own media type
            media = known.request_media_types(self.runtime.spec.document) if known is not None else ()
            body, content_type = body_as(media, request.json_body)
            headers.setdefault("Content-Type", content_type or self.runtime.profile.content_type)
        params = dict(request.params)
        self.runtime.apply_auth(auth, headers, params)
        url = self.runtime.base_url + quote(request.path, safe="/:@!$&'()*+,;=-._~")
        out = Outgoing(operation, method, url, params, headers, body, purpose or "request", judged=judge)
        return self._dispatch(out, case)

    def example(self, operation: Operation, path_values: dict[str, str] | None = None) -> Request | None:
        base = self.runtime.examples.get(operation, self)
        if base is None:
            return None
        path = fill_path(operation.path, {**base[1], **(path_values or {})})
        return Request(path, dict(base[0].params), base[0].json_body, base[0].has_body)

    def track(self, delete_operation: Operation, path: str, auth: Auth = DEFAULT_AUTH) -> None:
        with self.runtime.cleanup_lock:
            self.runtime.created[path] = (delete_operation.label, auth)

    def untrack(self, path: str) -> None:
        with self.runtime.cleanup_lock:
            self.runtime.created.pop(path, None)

    # -- generated cases ------------------------------------------------------------------------------------------
    def send_case(self, case: Any, purpose: str, *, drawn: bool = False) -> Exchange | None:
        """Send a schemathesis case as schemathesis serializes it, with this run's credentials. `drawn`: a random
        draw, which a run with another seed would not send."""
        label = f"{case.operation.method.upper()} {case.operation.path}"
        kwargs = case.as_transport_kwargs(base_url=self.runtime.base_url)
        headers = self.runtime.headers_for(DEFAULT_AUTH)
        headers.update(
            (k, v)
            for k, v in (kwargs.get("headers") or {}).items()
            if k.lower() not in ("user-agent", "x-schemathesis-testcaseid")
        )
        params = dict(kwargs.get("params") or {})
        try:
            body, content_type = encoded_body(kwargs)
        except Unencodable:  # a value JSON cannot carry: nothing a client could send
            self.recorder.notes.append(f"{purpose}: skipped a body JSON cannot encode")
            return None
        if content_type:
            headers["Content-Type"] = content_type
        self.runtime.apply_auth(DEFAULT_AUTH, headers, params)
        self._guard(kwargs["method"], False, purpose)
        out = Outgoing(label, kwargs["method"], kwargs["url"], params, headers, body, purpose, drawn)
        if hash(out.identity) in self.runtime.sent_requests:  # the first draw is the simplest whatever the seed
            return None
        return self._dispatch(out, case)

    def _track_created(self, exchange: Exchange) -> None:
        """Every create that succeeded made a real resource: it is deleted at the end of the test."""
        if exchange.method != "POST" or exchange.status is None or not 200 <= exchange.status < 300:
            return
        shape = self.runtime.spec.shape
        collection = shape.collection_of(exchange.operation.split(" ", 1)[1])
        body = exchange.json
        if collection is None or collection.delete is None or not shape.creates_item(collection):
            return
        assert collection.create is not None
        parents = match_path(collection.path, exchange.path.removeprefix(self.runtime.spec.base_path))
        created = collection.create.label == exchange.operation and isinstance(body, dict) and body.get("id")
        if created and isinstance(body, dict) and parents is not None:
            item = fill_path(collection.item(str(body["id"])), parents)  # /contacts/<its id>/tags/<the new id>
            self.track(collection.delete, item)
            self._origins[item] = exchange

    def _origin_of(self, exchange: Exchange) -> Exchange | None:
        """The create that made the resource `exchange` acts on, if this client made it: a repro of a request on
        it is only reproducible as the pair (a fresh target has no such id)."""
        path = exchange.path
        for item_path, origin in self._origins.items():
            if origin is not exchange and (path == item_path or path.endswith(item_path)):
                return origin
        return None

    def clean_up(self) -> None:
        """Delete everything this process created and has not deleted yet."""
        if self._unjudged:  # the test ended on refused connections: is the target still there to judge them?
            self._still_there()
        self.judge_pending()
        with self.runtime.cleanup_lock:
            pending = list(self.runtime.created.items())
        self._cleaning = True
        try:
            for path, (label, auth) in pending:
                # Forgotten only once its DELETE went out: an interrupt here leaves the rest for the session's
                # last clean-up instead of losing them. Not guarded: it deletes only what this run created, which
                # it could only do where writes are allowed.
                self._send(label, "DELETE", Request(path), auth, None, None, "clean-up", None)
                self.untrack(path)
        except TargetGone:
            self.note(f"clean-up stopped: the target went away; {len(self.runtime.created)} resource(s) left")
        finally:
            self._cleaning = False

    # -- internals ------------------------------------------------------------------------------------------------
    def _dispatch(self, out: Outgoing, case: Any) -> Exchange:
        # A create interrupted between the server's answer and our bookkeeping would leave a resource nobody
        # deletes: Ctrl-C/SIGTERM wait until its id is tracked.
        if not self._cleaning:
            _stop.stop_here()  # a signal whose KeyboardInterrupt a callback dropped: no request after it
        started = time.time()
        self.runtime.sent_requests.add(hash(out.identity))
        with deferred_interrupts(out.method == "POST"):
            exchange = self._exchange(out)
            self._track_created(exchange)
        exchange.started = started
        self.runtime.record(exchange)  # --record-har
        if (exchange.error or "").startswith((NOT_SENT, INTERIM)) or not out.judged:
            pass  # its operation stopped answering this shape of request (already a finding), or not ours to judge
        elif _refused(exchange):
            self._unjudged.append(lambda: self._judge(exchange, case))
        else:
            self.judge_pending()
            self._judge(exchange, case)
        return exchange

    def _still_there(self) -> None:
        """Ask the target once more (GET of the API's root): refused again, it went away (TargetGone)."""
        try:
            self.runtime.session.fetch("GET", self.runtime.base_url + "/", timeout=self.runtime.config.request_timeout)
        except requests.Timeout:
            self.runtime.unreachable_streak = 0
            return  # it accepts connections, slowly: what was held stands
        except requests.RequestException:
            self._unjudged = []
            answered = self.runtime.sent - self.runtime.unreachable_streak
            raise TargetGone(f"the target stopped answering after {answered} requests") from None
        except Exception:  # an answer over the body cap, the run's budget: it is there
            pass
        self.runtime.unreachable_streak = 0  # it answered: the findings held for it are recorded, not held again

    def judge_pending(self) -> None:
        """Judge the requests the target refused a connection for: it still answers, so each was a finding."""
        pending, self._unjudged = self._unjudged, []
        for judge in pending:
            judge()

    def _unreachable(self) -> None:
        """One more request refused a connection; past a handful in a row the target is gone (TargetGone)."""
        runtime = self.runtime
        runtime.unreachable_streak += 1
        if runtime.unreachable_streak >= TARGET_GONE_AFTER:
            self._unjudged = []  # the target going away, not findings
            answered = runtime.sent - runtime.unreachable_streak
            raise TargetGone(f"the target stopped answering after {answered} requests")

    def _exchange(self, out: Outgoing) -> Exchange:
        timeout = self.runtime.config.request_timeout
        silent = (out.label, out.shape)
        withheld = None if self._cleaning else self._withheld(out)
        if withheld is not None:
            return out.unanswered(f"{NOT_SENT}: {withheld}", 0.0)
        if not self._cleaning:  # a case is a request a check sent; deleting what the run created is not one
            self.recorder.cases += 1
        self.runtime.sent += 1
        try:
            response, content = self.runtime.session.fetch(
                out.method,
                out.url,
                params=out.params,
                headers=out.headers,
                data=out.body,
                timeout=timeout,
                allow_redirects=False,
                budgeted=not self._cleaning,
            )
        except RunBudgetSpent:  # never sent: the budget ended before it, so it is no request of the run's
            self.recorder.cases -= not self._cleaning
            self.runtime.sent -= 1
            raise
        except TooLarge as exc:
            return out.unanswered(exc.describe(), timeout)
        except requests.Timeout:
            self.runtime.silent[silent] = self.runtime.silent.get(silent, 0) + 1
            self.runtime.silent_kinds.setdefault(kind_of(out.shape), set()).add(out.label)
            return out.unanswered(f"no complete answer within {timeout:g}s", timeout)
        except requests.RequestException as exc:
            self._unreachable()
            return out.unanswered(f"{CONNECTION_FAILED} ({type(exc).__name__})", timeout)
        self.runtime.unreachable_streak = 0
        self.runtime.silent.pop(silent, None)
        self.runtime.answered_kinds.add(kind_of(out.shape))
        self.runtime.answering.add(out.label)
        if 100 <= response.status_code < 200 and response.status_code != 101:
            # An interim answer (103 Early Hints): the HTTP stack returns it as if final and reads no further.
            # Not the target's final answer, so nothing to judge; the connection is closed (transport).
            return out.unanswered(f"{INTERIM} {response.status_code}: its final answer is not read", 0.0)
        return out.answered(response, content)

    def _withheld(self, out: Outgoing) -> str | None:
        """Why this request is not sent: its operation left its last requests of this shape unanswered, or the
        target has answered no request of this kind on any operation and left it unanswered on several that answer
        other requests."""
        kind = kind_of(out.shape)
        if self.runtime.silent.get((out.label, out.shape), 0) >= SILENT_AFTER:
            why = f"{out.label} left its last {SILENT_AFTER} requests {kind} unanswered"
            self.note(f"{NOT_SENT}: the rest of its requests {kind} ({why})")
            return why
        # Only operations that answer other requests tell of a kind: one that hangs on everything tells of itself
        # (its own shapes are withheld above), not of requests other operations would answer.
        quiet = self.runtime.silent_kinds.get(kind, set()) & self.runtime.answering
        if len(quiet) < SILENT_KIND_AFTER or kind in self.runtime.answered_kinds or out.label in quiet:
            return None
        named = ", ".join(sorted(quiet)[:SILENT_KIND_AFTER])
        why = f"the target answered no request {kind} and left them unanswered on {len(quiet)} operations ({named})"
        if not any(note.startswith(NOT_SENT) for note in self.recorder.unjudged):
            self.recorder.unjudged.append(f"{NOT_SENT} to {out.label}: requests {kind} ({why})")
        return why

    def context(self, operation: str | Operation, case: Any = None) -> Context:
        """What a check reads about `operation` (a label of the spec's, or an operation outside it)."""
        runtime = self.runtime
        if isinstance(operation, str):
            operation = runtime.spec.shape.by_label[operation]
        st = runtime.schemathesis_operations.get(operation.label)
        return Context(
            runtime.profile, runtime.spec, operation, self, runtime.credentials, runtime.limits, None, st, case
        )

    def judge_recorded(self, exchange: Exchange) -> None:
        """An exchange the suite did not send (a HAR, the proxy), judged exactly as one it sent."""
        self._judge(exchange, None)

    def _judge(self, exchange: Exchange, case: Any) -> None:
        self.recorder.saw(exchange.operation, exchange.status)
        ctx = self.context(exchange.operation, case)
        for secret in once_only_secrets(ctx, exchange):  # a credential the target handed out: in no report
            self.runtime.redactor.add(CREATED_SECRET, secret)
        for check in self._response_checks:
            if not check.judges(ctx, exchange):
                continue
            fails = check.run(ctx, exchange)
            self.recorder.tally(check.id, bool(fails))
            for fail in fails:
                steps = fail.steps
                origin = None if steps else self._origin_of(exchange)
                if origin is not None:
                    steps = (origin, exchange)
                self.record(
                    check.id, exchange.operation, Fail(fail.message, fail.key, fail.exchange or exchange, steps)
                )

    def _attribution(self, check: str, operation: str, fail: Fail) -> dict[str, str]:
        """Whether the spec or the server is to fix (checks/_attribution): read from the operation's declaration."""
        if operation not in self.runtime.spec.shape.by_label:  # an unknown route, a method no template serves
            return Attribution(SILENT, "no operation of the spec: the docs and the live server decide").as_dict()
        return attribute(check, self.context(operation), fail).as_dict()

    def record(self, check: str, operation: str, fail: Fail) -> None:
        finding = Finding.of(check, operation, fail, self.runtime.redactor, self._attribution(check, operation, fail))
        if fail.exchange is not None and _refused(fail.exchange) and self.runtime.unreachable_streak:
            self._unjudged.append(lambda: self.recorder.record(finding))  # the target may be going away
        else:
            self.recorder.record(finding)


def _refused(exchange: Exchange) -> bool:
    return (exchange.error or "").startswith(CONNECTION_FAILED)


@contextlib.contextmanager
def deferred_interrupts(active: bool = True) -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends, then raise KeyboardInterrupt (conformance/_stop.py notes the signal:
    the run is interrupted even where this raise is lost)."""
    if not active:
        yield
        return
    with _stop.shielded():
        yield
    _stop.stop_here()
