"""The conformance suite as pytest collects it. The plugin parametrizes these from the spec.

Each test declares its kind (`operation` or the stateful check it runs): results.json and the parametrization
read the declaration, never the function's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.engine import _session

KIND = "conformance_kind"


def kind(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def declare(test: Callable[..., None]) -> Callable[..., None]:
        setattr(test, KIND, name)
        return test

    return declare


@kind("operation")
def test_operation(conformance: Any, operation: Any) -> None:
    _session.run_operation(conformance.runtime, operation, conformance.recorder)
    conformance.finish()


@kind("pagination")
def test_pagination(conformance: Any, list_operation: Any) -> None:
    _session.run_stateful(conformance.runtime, "pagination", list_operation, conformance.recorder)
    conformance.finish()


@kind("resource_lifecycle")
def test_resource_lifecycle(conformance: Any, collection: Any) -> None:
    conformance.require_writes("resource_lifecycle")
    _session.run_stateful(conformance.runtime, "resource_lifecycle", collection.create, conformance.recorder)
    conformance.finish()


@kind("tenant_isolation")
def test_tenant_isolation(conformance: Any, collection: Any) -> None:
    conformance.require_other_customer()
    _session.run_stateful(conformance.runtime, "tenant_isolation", collection.read, conformance.recorder)
    conformance.finish()
