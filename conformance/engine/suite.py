"""The conformance suite as pytest collects it. The plugin parametrizes these from the spec.

Each test declares its kind (`operation`, or `stateful`: the check it runs is its parameter's): results.json and
the parametrization read the declaration, never the function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.engine import _test_bodies

KIND = "conformance_kind"


def kind(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def declare(test: Callable[..., None]) -> Callable[..., None]:
        setattr(test, KIND, name)
        return test

    return declare


@kind("operation")
def test_operation(conformance: Any, operation: Any) -> None:
    _test_bodies.run_operation(conformance.runtime, operation, conformance.recorder)
    conformance.finish()


@kind("stateful")
def test_stateful(conformance: Any, stateful: Any) -> None:
    """Every stateful check on every subject the registry names (engine/_test_bodies.stateful_cases)."""
    conformance.require(stateful.check)
    _test_bodies.run_stateful(conformance.runtime, stateful.check.id, stateful.operation, conformance.recorder)
    conformance.finish()
