"""The conformance suite as pytest collects it. The plugin parametrizes these from the spec."""

from __future__ import annotations

from typing import Any

from conformance.engine import _session


def test_operation(conformance: Any, operation: Any) -> None:
    _session.run_operation(conformance.runtime, operation, conformance.recorder)
    conformance.finish()


def test_pagination(conformance: Any, list_operation: Any) -> None:
    _session.run_stateful(conformance.runtime, "pagination", list_operation, conformance.recorder)
    conformance.finish()


def test_resource_lifecycle(conformance: Any, collection: Any) -> None:
    conformance.require_writes("resource_lifecycle")
    _session.run_stateful(conformance.runtime, "resource_lifecycle", collection.create, conformance.recorder)
    conformance.finish()


def test_tenant_isolation(conformance: Any, collection: Any) -> None:
    conformance.require_other_customer()
    _session.run_stateful(conformance.runtime, "tenant_isolation", collection.read, conformance.recorder)
    conformance.finish()
