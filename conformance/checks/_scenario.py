"""A stateful check's steps, recorded as they are sent, so that each failure carries the sequence behind it."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.checks._model import DEFAULT_AUTH, Auth, Context, Exchange, Fail, Request
from conformance.openapi import Operation


def ok(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


class Scenario:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.steps: list[Exchange] = []

    def send(
        self, operation: Operation, method: str, request: Request, purpose: str, auth: Auth = DEFAULT_AUTH
    ) -> Exchange:
        exchange = self.ctx.client.send(operation.label, method, request, auth=auth, purpose=purpose)
        self.steps.append(exchange)
        return exchange

    def record(self, exchanges: Iterable[Exchange]) -> None:
        """Steps sent by a helper of their own (a page walk)."""
        self.steps.extend(exchanges)

    def fail(self, message: str, key: str, *, at: Exchange | None = None, then: Iterable[Exchange] = ()) -> Fail:
        """A failure at `at` (the last step by default), with every step so far and `then` (a walk's pages)."""
        later = tuple(then)
        return Fail(message, key, at or (later or self.steps)[-1], (*self.steps, *later))
