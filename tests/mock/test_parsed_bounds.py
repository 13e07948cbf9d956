"""What parsing a request body may build is bounded, not only its bytes: a body whose count of JSON containers and
elements would pass a budget is refused (413, in the profile's envelope) before `json.loads` builds anything."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from conformance.mock import MockApp
from conformance.openapi import load_spec
from conformance.profiles import load_profile

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def app(bundled):
    return MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-08"), seed=1, login=("u", "pw"))


def _post(app: MockApp, body: bytes, path: str = "/v1.0/tags"):
    headers = {"authorization": f"Bearer {app.customers[0].token}", "content-type": "application/json"}
    return app.handle("POST", path, "", headers, body)


def _eight_mib(opening: bytes, item: bytes, closing: bytes) -> bytes:
    count = (8 * MIB - len(opening) - len(closing)) // (len(item) + 1)
    return opening + (item + b",") * (count - 1) + item + closing


BODIES = {  # complete bodies within the 8 MiB cap on bytes
    "an object of 2.8 million objects": (b'{"name":[', b"{}", b"]}"),
    "an array of 2.8 million arrays": (b"[", b"[]", b"]"),
    "an array of 4.2 million zeros": (b"[", b"0", b"]"),
}


@pytest.mark.parametrize("parts", BODIES.values(), ids=BODIES.keys())
def test_a_body_of_millions_of_values_is_refused_before_it_is_built(app, parts):
    body = _eight_mib(*parts)  # before: 400 MB traced (a served mock's RSS: 52 -> 457 MB)
    tracemalloc.start()
    try:
        answer = _post(app, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status == 413, answer.body[:300]
    assert "JSON values" in json.loads(answer.body)["error"]["message"]  # the profile's envelope
    assert peak < 3 * len(body), peak  # a copy of the bytes or two at most, never the objects (before: 43 times)


def test_the_login_body_is_held_to_the_same_budget(app):
    body = _eight_mib(b"[", b"{}", b"]")
    tracemalloc.start()
    try:
        answer = app.handle("POST", "/auth/login", "", {}, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (answer.status, answer.body) == (400, b"") and peak < 3 * len(body), peak


def test_commas_and_brackets_inside_strings_are_not_counted(app):
    """No false refusal: a string of millions of commas is one value."""
    body = json.dumps({"name": "x", "detail": "y", "extra": ",[{" * (2 * MIB)}).encode()
    answer = _post(app, body)
    assert answer.status == 200, answer.body[:300]
    escaped = json.dumps(
        {"name": "x", "detail": "y", "extra": '\\",' * MIB}
    ).encode()  # escaped quotes do not end the string
    assert _post(app, escaped).status == 200


def test_a_body_within_the_budget_is_read_as_before(app):
    body = json.dumps({"name": "x", "detail": "y", "extra": [[] for _ in range(10_000)]}).encode()
    answer = _post(app, body)
    assert answer.status == 200, answer.body[:300]
