"""The conformance suite as pytest collects it. The plugin parametrizes these from the spec.

Each test declares its kind (`operation`, or `stateful`: the check it runs is its parameter's): results.json and
the parametrization read the declaration, never the function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.engine import _test_bodies
from conformance.engine._generation import ALL, BREADTH, DEPTH

KIND = "conformance_kind"
DEPTH_KIND = "depth"  # a budgeted run's second pass: the budget may cut it without leaving anything unjudged


def kind(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def declare(test: Callable[..., None]) -> Callable[..., None]:
        setattr(test, KIND, name)
        return test

    return declare


@kind("operation")
def test_operation(conformance: Any, operation: Any) -> None:
    """Every case and probe for one operation; under a budget, its first pass (the rest in test_depth)."""
    phase = BREADTH if conformance.runtime.config.budgeted else ALL
    _test_bodies.run_operation(conformance.runtime, operation, conformance.recorder, phase)
    conformance.finish()


@kind(DEPTH_KIND)
def test_depth(conformance: Any, deeper: Any) -> None:
    """A budgeted run's second pass on one operation: the rest of its random draws and boundary cases."""
    _test_bodies.run_operation(conformance.runtime, deeper, conformance.recorder, DEPTH)
    conformance.finish()


@kind("stateful")
def test_stateful(conformance: Any, stateful: Any) -> None:
    """Every stateful check on every subject the registry names (engine/_test_bodies.stateful_cases)."""
    conformance.require(stateful.check)
    _test_bodies.run_stateful(conformance.runtime, stateful.check.id, stateful.operation, conformance.recorder)
    conformance.finish()


DEPTH_TEST = test_depth.__name__
