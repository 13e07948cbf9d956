"""Spreading variants over operations, a covering design: each of V variants (a kind of bad credential, a valid
channel) goes to about N/V of N operations, each operation ceil(V/N) of them, the same ones whatever the seed (by
the operation's place in the run's order). A variant that has not been answered yet goes to every operation (so
the first operation that answers gets them all, whichever it is, and one that sent nothing spends no turn), and a
variant the target once mishandled goes to every operation after it: what the first answers taught is reused, and
a fault found is shown wherever it reaches, not on a share."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def share(place: int, of: int, variants: Sequence[T]) -> list[T]:
    """The variants the operation at `place` of `of` is given."""
    if not variants or of < 1:
        return list(variants)
    per = -(-len(variants) // of)  # ceil: every variant goes to at least one operation
    return [variants[(place * per + k) % len(variants)] for k in range(min(per, len(variants)))]


class Spread:
    """One process's spread over the run's operations (any objects; `label` names one), per pool of variants."""

    def __init__(self, operations: Sequence[Any], label: Callable[[Any], str]) -> None:
        self.operations, self.label = tuple(operations), label
        self._places: dict[str, dict[str, int]] = {}
        self._answered: dict[str, set[Hashable]] = {}  # per pool, the variants the target answered here
        self._through: dict[str, set[Hashable]] = {}  # per pool, the variants the target let through

    def pick(
        self,
        pool: str,
        operation: Any,
        variants: Sequence[T],
        eligible: Callable[[Any], bool],
        key: Callable[[T], Hashable],
    ) -> list[T]:
        """The variants of `pool` this operation is given; `eligible` says which operations the pool spreads over,
        `key` names a variant (as `let_through` is told it)."""
        places = self._places.get(pool)
        if places is None:
            admitted = [self.label(op) for op in self.operations if eligible(op)]
            places = self._places[pool] = {label: n for n, label in enumerate(admitted)}
        place = places.get(self.label(operation))
        if place is None:
            return list(variants)
        chosen = share(place, len(places), variants)
        through, answered = self._through.get(pool, set()), self._answered.get(pool, set())
        return [v for v in variants if v in chosen or key(v) in through or key(v) not in answered]

    def answered(self, pool: str, key: Hashable, mishandled: bool) -> None:
        """The target answered the variant named `key`; `mishandled` (a bad one let through, a valid one refused):
        every operation after this one gets it."""
        self._answered.setdefault(pool, set()).add(key)
        if mishandled:
            self._through.setdefault(pool, set()).add(key)
