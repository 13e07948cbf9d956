"""One request as it leaves the client, and what kind of request it is (for a target that leaves a kind of request
unanswered)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import requests

from conformance.checks import Exchange


@dataclass(frozen=True)
class Outgoing:
    """One request as it leaves the client: the operation it exercises and everything the transport needs."""

    label: str
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes | None
    purpose: str
    drawn: bool = False  # a random draw (another seed sends other cases), not a boundary case or a probe
    judged: bool = True  # False: the check that sent it judges the answer alone (a request outside the spec)

    def answered(self, response: requests.Response, content: bytes) -> Exchange:
        """The exchange of a request the target answered, as it went out (requests adds headers)."""
        headers = {k.lower(): v for k, v in response.headers.items()}
        elapsed = response.elapsed.total_seconds() if response.elapsed else 0.0
        return self._exchange(
            response.request,
            status=response.status_code,
            response_headers=headers,
            response_body=content,
            elapsed=elapsed,
        )

    def unanswered(self, error: str, timeout: float) -> Exchange:
        """The exchange of a request that got no usable answer: what was sent, and why nothing came back."""
        prepared = requests.Request(self.method, self.url, params=self.params, headers=self.headers, data=self.body)
        return self._exchange(prepared.prepare(), error=error, elapsed=timeout)

    @cached_property
    def identity(self) -> tuple[str, ...]:
        """The request as the target sees it, to tell a repeat of one already sent: the same method, URL, query,
        headers (credentials included) and body."""
        query = repr(sorted((str(k), _wire(v)) for k, v in self.params.items()))  # 1 and "1" go out alike
        headers = repr(sorted((k.lower(), v) for k, v in self.headers.items()))
        return (self.label, self.method, self.url, query, headers, repr(self.body))

    @property
    def shape(self) -> str:
        """What kind of request this is, for an operation that stops answering one kind (a body that is not JSON,
        say): its method and whether its body is JSON."""
        if not self.body:
            return f"{self.method} without a body"
        try:
            json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return f"{self.method} with a body that is not JSON"
        return f"{self.method} with a JSON body"

    def _exchange(self, sent: requests.PreparedRequest, **outcome: Any) -> Exchange:
        return Exchange(
            self.label,
            self.method,
            sent.url or self.url,
            dict(sent.headers),
            self.body,
            purpose=self.purpose,
            drawn=self.drawn,
            **outcome,
        )


def _wire(value: Any) -> str:
    """A query value as the URL carries it: text, a list as its items in order."""
    return repr([str(item) for item in value]) if isinstance(value, list | tuple) else str(value)


def kind_of(shape: str) -> str:
    """A shape's kind whatever the method: 'with a body that is not JSON'."""
    return shape.split(" ", 1)[1]
