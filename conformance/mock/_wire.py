"""What the mock answers with: a response, a refusal that becomes an error answer, and the headers on the wire."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.errors import ConformanceError

NO_CONTENT = frozenset({204, 304})


@dataclass
class MockResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Reject(ConformanceError):
    """Raised anywhere in the pipeline; `MockApp.handle` answers it in the profile's error envelope."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def answer_headers(response: MockResponse) -> list[tuple[str, str]]:
    """The headers on the wire: a Content-Length delimits every answer that may carry content."""
    headers = list(response.headers)
    if response.status not in NO_CONTENT or response.body:
        headers.append(("Content-Length", str(len(response.body))))
    return headers
