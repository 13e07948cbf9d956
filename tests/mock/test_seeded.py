"""The mock starts as a real account does: resources in every collection and sub-collection, each readable by the
id its list shows (a sub-collection's ids listed under a parent the parent's list shows)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.mock import MockApp
from conformance.openapi import Operation, Spec, fill_path, load_spec
from conformance.profiles import load_profile
from tests.conftest import real_spec


def _get(app: MockApp, path: str) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {app.customers[0].token}"}
    response = app.handle("GET", app.spec.base_path + path, "", headers, b"")
    return response.status, json.loads(response.body) if response.body else None


def _listed_values(app: MockApp, operation: Operation) -> dict[str, str] | None:
    """The path values of `operation` as a client finds them: the first id each list (parents first) shows."""
    values: dict[str, str] = {}
    for source in app.spec.shape.id_sources(operation.path):
        if _path_only(app.spec, source.list) != source.list.parameters(app.spec.document):
            return None  # a list that needs a filter (GET /aimessages?aicall_id=…)
        status, body = _get(app, fill_path(source.list.path, values))
        items = body.get(app.profile.result_field) if isinstance(body, dict) else body
        assert status == 200 and items, f"{source.list.label} under {values} lists nothing: {status}"
        values[source.param] = str(items[0]["id"])
    return values if set(values) == set(operation.path_params) else None


def _reads_of_listed_ids(spec: Spec, profile: str) -> tuple[list[str], list[str]]:
    """(the reads sent, those not answered 200) for every GET on an item whose ids the lists yield."""
    app = MockApp(spec, profile=load_profile(profile), seed=5)
    reads: list[str] = []
    refused: list[str] = []
    for operation in spec.shape.operations:
        values = _listed_values(app, operation) if operation.method == "GET" and operation.path_params else None
        if values is None or operation.parameters(spec.document) != _path_only(spec, operation):
            continue  # a read that also needs a query value is the generated cases' business
        reads.append(operation.label)
        status, _ = _get(app, fill_path(operation.path, values))
        if status != 200:
            refused.append(f"{operation.label}: {status}")
    return reads, refused


def _path_only(spec: Spec, operation: Operation) -> list[dict[str, Any]]:
    return [p for p in operation.parameters(spec.document) if p.get("in") == "path" or not p.get("required")]


def test_every_read_on_an_item_answers_for_the_ids_its_lists_show(bundled):
    reads, refused = _reads_of_listed_ids(load_spec(str(bundled)), "voipbin-2026-01")
    assert len(reads) == 11 and refused == []


@pytest.mark.realspec
@pytest.mark.parametrize(("date", "profile"), [("2026-01-15", "voipbin-2026-01"), ("2026-08-22", "voipbin-2026-08")])
def test_every_read_of_a_real_source_answers_for_listed_ids_nested_ones_included(date, profile):
    spec = load_spec(str(real_spec(date)))
    reads, refused = _reads_of_listed_ids(spec, profile)
    nested = [label for label in reads if label.count("{") > 1]  # /contact_cases/{id}/notes/{note_id}, …
    assert len(reads) > 40 and nested and refused == [], refused
