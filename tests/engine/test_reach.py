"""Reach: operations on an item get ids of existing resources, found in the lists that hold them.

An operation is reached when some request to it answered a 2xx; a random id in `GET /x/{id}` only reaches the 404.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.client.client import EngineClient
from conformance.engine._generation import KNOWN_ID_SHARE, with_known_ids
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from conformance.reporting.results import reach
from conformance.results.finding import Recorder
from tests._servers import LIST_RESPONSES, serve, write_spec
from tests.conftest import run_in_process

_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_NOTE_ID = {"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}}
NESTED = {
    "/contacts": {"get": {"responses": LIST_RESPONSES}},
    "/contacts/{id}": {"get": {"parameters": [_ID], "responses": _OK}},
    "/contacts/{id}/notes": {"get": {"parameters": [_ID], "responses": LIST_RESPONSES}},
    "/contacts/{id}/notes/{note_id}": {"get": {"parameters": [_ID, _NOTE_ID], "responses": _OK}},
    "/contacts/{id}/notes/{note_id}/pin": {"post": {"parameters": [_ID, _NOTE_ID], "responses": _OK}},
}


class Account:
    """Contacts and their notes as a real account holds them: the first contact has no notes, each note belongs to
    one contact, and a note read under another contact is not found."""

    def __init__(self, contacts: dict[str, list[str]] | None = None, list_status: str = "200 OK") -> None:
        self.contacts = contacts if contacts is not None else {"c-1": [], "c-2": ["n-21", "n-22", "n-23"]}
        self.list_status = list_status
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        with self.lock:
            self.requests.append((method, path))
        status, body = self.answer(method, path)
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def answer(self, method: str, path: str) -> tuple[str, Any]:
        listing = re.fullmatch(r"/contacts(?:/([^/]+)/notes)?", path)
        if method == "GET" and listing and (listing[1] is None or listing[1] in self.contacts):
            items = list(self.contacts) if listing[1] is None else self.contacts[listing[1]]
            if not self.list_status.startswith("2"):
                return self.list_status, {"error": "forbidden", "message": "no"}
            return "200 OK", {"result": [{"id": i} for i in items], "next_page_token": ""}
        item = re.fullmatch(r"/contacts/([^/]+)(?:/notes/([^/]+))?", path)
        if (
            method == "GET"
            and item
            and item[1] in self.contacts
            and (item[2] is None or item[2] in self.contacts[item[1]])
        ):
            return "200 OK", {"id": item[2] or item[1]}
        return "404 Not Found", {"error": "not_found", "message": "no such resource"}

    def hits(self, path: str) -> int:
        return sum(1 for method, hit in self.requests if method == "GET" and hit == path)


def _client(runtime: Any) -> EngineClient:
    return EngineClient(runtime, Recorder())


def reach_of(runtime: Any, outcome: Any, method: str | None = None) -> dict[str, Any]:
    """results.json's `summary.reach` of an in-process run, over the selected operations (of one method)."""
    statuses: dict[str, set[int]] = {}
    for recorder in outcome.recorders:
        for op, codes in recorder.statuses.items():
            statuses.setdefault(op, set()).update(codes)
    labels = [op.label for op in runtime.operations if method is None or op.method == method]
    return reach(labels, {op: sorted(codes) for op, codes in statuses.items()})


def test_nested_ids_come_from_the_parent_list_then_from_that_parents_sub_list(make_runtime, tmp_path):
    account = Account()
    with serve(account) as url:
        runtime = make_runtime(spec=write_spec(tmp_path / "spec.json", NESTED), base_url=url, token="t" * 20)
        note = runtime.spec.shape.by_label["GET /contacts/{id}/notes/{note_id}"]
        found = runtime.examples.ids.for_operation(_client(runtime), note)
        # The first contact has no notes: the second one's are taken, with that contact, never mixed.
        assert found == {"id": ["c-2"], "note_id": ["n-21", "n-22"]}
        assert account.hits("/contacts") == 1 and account.hits("/contacts/c-1/notes") == 1
        example = _client(runtime).example(note)
        assert example is not None and example.path == "/contacts/c-2/notes/n-21"
        # Once per run: asking again, for any operation under them, sends nothing.
        before = len(account.requests)
        runtime.examples.ids.for_operation(_client(runtime), runtime.spec.shape.by_label["GET /contacts/{id}"])
        assert len(account.requests) == before


def test_a_read_only_run_reaches_every_nested_read(make_runtime, tmp_path):
    with serve(Account()) as url:
        runtime = make_runtime(spec=write_spec(tmp_path / "spec.json", NESTED), base_url=url, token="t" * 20)
        outcome = run_in_process(runtime)
    gets = reach_of(runtime, outcome, "GET")
    assert gets["never_2xx"] == [], gets["statuses"]


@pytest.mark.parametrize(("contacts", "list_status"), [({}, "200 OK"), ({"c-1": ["n-1"]}, "403 Forbidden")])
def test_an_empty_or_refused_list_leaves_the_random_id(make_runtime, tmp_path, contacts, list_status):
    with serve(Account(contacts, list_status)) as url:
        runtime = make_runtime(spec=write_spec(tmp_path / "spec.json", NESTED), base_url=url, token="t" * 20)
        note = runtime.spec.shape.by_label["GET /contacts/{id}/notes/{note_id}"]
        client = _client(runtime)
        assert runtime.examples.ids.for_operation(client, note) == {}
        example = client.example(note)
        assert example is not None
        assert re.fullmatch(r"/contacts/[0-9a-f-]{36}/notes/[0-9a-f-]{36}", example.path), example.path
        assert client.recorder.findings == {}  # the lookup makes no finding of its own


def test_listed_ids_go_into_writes_only_on_the_embedded_mock(make_runtime, tmp_path):
    with serve(Account()) as url:
        live = make_runtime(
            spec=write_spec(tmp_path / "spec.json", NESTED), base_url=url, token="t" * 20, allow_writes=True
        )
        shape, client = live.spec.shape, _client(live)
        # --allow-writes consents to changes, not to acting on resources this run did not make.
        assert live.examples.ids.for_operation(client, shape.by_label["POST /contacts/{id}/notes/{note_id}/pin"]) == {}
        assert live.examples.ids.for_operation(client, shape.by_label["GET /contacts/{id}/notes/{note_id}"])
    mock = make_runtime()  # the bundled spec on the embedded mock, where nothing outlives the run
    hangup = mock.spec.shape.by_label["POST /calls/{id}/hangup"]
    assert mock.examples.ids.for_operation(_client(mock), hangup)


def test_a_delete_spares_the_ids_the_other_operations_take(make_runtime, bundled):
    runtime = make_runtime()  # the bundled spec on the embedded mock
    shape, client = runtime.spec.shape, _client(runtime)
    hangup = runtime.examples.ids.for_operation(client, shape.by_label["POST /calls/{id}/hangup"])
    read = runtime.examples.ids.for_operation(client, shape.by_label["GET /calls/{id}"])
    assert hangup == read and len(read["id"]) > 1
    # DELETE /calls/{id}: the run deletes a call it created itself (resource_lifecycle), never a listed one.
    assert runtime.examples.ids.for_operation(client, shape.by_label["DELETE /calls/{id}"]) == {}


class _Case:
    """What `with_known_ids` reads of a schemathesis case: its mode and path parameters."""

    def __init__(self, mode: Any, path_parameters: dict[str, str]) -> None:
        self.meta = type("Meta", (), {"generation": type("Generation", (), {"mode": mode})()})()
        self.path_parameters = path_parameters


def test_most_valid_cases_take_known_ids_some_keep_their_own_and_invalid_ones_are_left_alone():
    from schemathesis import GenerationMode

    cases = st.builds(
        _Case, st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), st.just({"id": "random"})
    )
    seen: list[tuple[Any, str]] = []

    @settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    @given(case=with_known_ids(cases, {"id": ["known-1", "known-2"]}))
    def draw(case: Any) -> None:
        seen.append((case.meta.generation.mode, case.path_parameters["id"]))

    draw()
    valid = [value for mode, value in seen if mode == GenerationMode.POSITIVE]
    invalid = [value for mode, value in seen if mode == GenerationMode.NEGATIVE]
    assert set(invalid) == {"random"}
    assert {"known-1", "known-2", "random"} <= set(valid)
    assert sum(v != "random" for v in valid) > len(valid) / 2  # most of them: KNOWN_ID_SHARE in KNOWN_ID_SHARE + 1
    assert KNOWN_ID_SHARE >= 2


@pytest.mark.http
def test_a_read_only_run_on_the_mock_over_http_reaches_every_read_and_changes_nothing(make_runtime, bundled):
    spec = load_spec(str(bundled))
    mock = MockApp(spec, profile=load_profile("voipbin-2026-01"), seed=3)
    server = serve_in_thread(mock, "127.0.0.1", 0)
    try:
        customer = mock.customers[0]
        url = f"http://127.0.0.1:{server.port}{spec.base_path}"
        runtime = make_runtime(base_url=url, token=customer.token, accesskey=customer.accesskey, max_examples=2)
        outcome = run_in_process(runtime, stateful=False)  # the stateful checks' own gates are theirs to test
    finally:
        server.shutdown()
    gets = reach_of(runtime, outcome, "GET")
    assert gets["operations"] == 22 and gets["never_2xx"] == [], gets["never_2xx"]
    assert outcome.findings == [], outcome.describe()
    # Read-only: nothing was created, updated, deleted (the store's clock ticks on each) and no write acted.
    assert mock.store.clock == 0
    assert not any(record.deleted for bucket in mock.store.buckets.values() for record in bucket.values())


def test_an_id_that_is_not_one_path_segment_is_not_used(make_runtime, tmp_path):
    with serve(Account({"a/b": [], "c-1": []})) as url:
        runtime = make_runtime(spec=write_spec(tmp_path / "spec.json", NESTED), base_url=url, token="t" * 20)
        read = runtime.spec.shape.by_label["GET /contacts/{id}"]
        assert runtime.examples.ids.for_operation(_client(runtime), read) == {"id": ["c-1"]}
