"""Findings: a check's Fail turned into what the reports show, built in one place, redacted on the way in."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from conformance.checks import EXCERPT, Exchange, Fail
from conformance.redact import Redactor
from conformance.replay import replay_script

_BODY_SNIPPET = 2000
# Characters of one field from a target (a message quoting a media type, a key, a URL): one 60 KB Content-Type
# per answer made results.json 10.9 MB and summary.md 1.6 MB from two operations.
_MESSAGE, _KEY, _SHORT, _URL = 1000, 200, 300, 2048


def _field(text: str, redactor: Redactor, limit: int, *, counted: bool = True, words: bool = False) -> str:
    """`text` redacted (whole, so a cut cannot leave half a secret), then capped at `limit` characters; `words`:
    text of our own (a key), where only long spellings are redacted, never a short password spelling a word."""
    text = redactor.safe(text) if words else redactor.value(text)
    if len(text) <= limit:
        return text
    return text[:limit] + (f"… (+{len(text) - limit} characters)" if counted else "…")


def _snippet(body: bytes | None, redactor: Redactor) -> str:
    """The start of a body, redacted before it is cut: a secret across the cut is redacted whole."""
    window = (body or b"")[: (_BODY_SNIPPET + EXCERPT) * 4].decode("utf-8", "replace")  # 4: UTF-8's widest
    return redactor.value(window)[:_BODY_SNIPPET]


def fingerprint(check: str, operation: str, key: str) -> str:
    return hashlib.sha256(f"{check}|{operation}|{key}".encode()).hexdigest()[:16]


@dataclass
class Finding:
    """One distinct violation: check, operation, stable fingerprint, and the shortest repro seen (redacted)."""

    check: str
    operation: str
    message: str
    status: int | None
    repro: str
    fingerprint: str
    key: str
    occurrences: int
    request: dict[str, Any]
    response: dict[str, Any]
    steps: list[dict[str, Any]]
    replay: str | None
    drawn: bool  # seen only on random draws so far: a run with another seed may not send that request

    @classmethod
    def of(cls, check: str, operation: str, fail: Fail, redactor: Redactor) -> Finding:
        """Every field from the target redacted, then capped: one target cannot grow a report without bound."""
        exchange = fail.exchange
        message = _field(fail.message, redactor, _MESSAGE)
        key = _field(fail.key, redactor, _KEY, counted=False, words=True)  # a fresh token must not move a fingerprint
        summary = _field(f"[{check}] {operation}: {fail.message}", redactor, _MESSAGE)
        return cls(
            check=check,
            operation=operation,
            message=message,
            status=exchange.status if exchange is not None else None,
            repro=redactor.curl(exchange) if exchange is not None else "",
            fingerprint=fingerprint(check, operation, key),
            key=key,
            occurrences=1,
            request=_request(exchange, redactor) if exchange is not None else {},
            response=_response(exchange, redactor) if exchange is not None else {},
            steps=[_step(step, redactor) for step in fail.steps],
            replay=replay_script(fail.steps, redactor, summary) if fail.steps else None,
            drawn=exchange is not None and exchange.drawn and not fail.steps,
        )

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Recorder:
    """What one test saw: tallies per check, distinct findings, requests sent."""

    tallies: dict[str, list[int]] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    cases: int = 0
    notes: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=dict)  # operation -> every status it answered
    skipped: dict[str, str] | None = None  # {"check", "why"}: the check could not run on this target
    target_gone: str | None = None  # the target stopped accepting connections during this test
    unjudged: list[str] = field(default_factory=list)  # "check on operation: why there was nothing to judge"

    def saw(self, operation: str, status: int | None) -> None:
        if status is not None:
            self.statuses.setdefault(operation, set()).add(status)

    def tally(self, check: str, failed: bool) -> None:
        counts = self.tallies.setdefault(check, [0, 0])
        counts[1 if failed else 0] += 1

    def record(self, finding: Finding) -> None:
        """One more occurrence of a known finding keeps the shorter repro (a cheap stand-in for shrinking)."""
        known = self.findings.get(finding.fingerprint)
        if known is not None:
            finding = Finding(**absorb(known.as_dict(), finding.as_dict()))
        self.findings[finding.fingerprint] = finding

    def as_dict(self) -> dict[str, Any]:
        return {
            "tallies": self.tallies,
            "findings": [finding.as_dict() for finding in self.findings.values()],
            "cases": self.cases,
            "notes": self.notes,
            "statuses": {op: sorted(codes) for op, codes in self.statuses.items()},
            "skipped": self.skipped,
            "target_gone": self.target_gone,
            "unjudged": self.unjudged,
        }


def absorb(known: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two sightings of one finding (one fingerprint), as one: the shorter repro (a cheap stand-in for shrinking),
    every occurrence counted, and drawn only if neither was seen on a case every run sends. The one finding-merge
    of a test, of a run's tests and of shards."""
    kept = new if new.get("repro") and len(new["repro"]) < len(known.get("repro") or "") else known
    return {
        **kept,
        "occurrences": int(known.get("occurrences", 1)) + int(new.get("occurrences", 1)),
        "drawn": bool(known.get("drawn", False) and new.get("drawn", False)),
    }


def _request(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    return {
        "method": exchange.method,
        "url": _field(exchange.url, redactor, _URL),
        "purpose": exchange.purpose,
        "body": _snippet(exchange.request_body, redactor),
    }


def _response(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    return {
        "status": exchange.status,
        "error": _field(exchange.error, redactor, _SHORT) if exchange.error else exchange.error,
        "content_type": _field(exchange.content_type, redactor, _SHORT),
        "body": _snippet(exchange.response_body, redactor),
    }


def _step(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    return {
        "purpose": exchange.purpose,
        "method": exchange.method,
        "url": _field(exchange.url, redactor, _URL),
        "status": exchange.status,
        "error": _field(exchange.error, redactor, _SHORT) if exchange.error else exchange.error,
        "repro": redactor.curl(exchange),
    }
