"""POST /auth/login reads its body as every other body is read (bounded), and answers any body it cannot use as the
live PostLogin does: a bare 400 with no body (bin-api-manager `AbortWithStatus(400)`)."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockApp
from conformance.openapi import load_spec
from conformance.profiles import load_profile


@pytest.fixture(scope="module")
def app(bundled):
    return MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-08"), seed=1, login=("u", "pw"))


BAD_BODIES = {
    "nested 5,000 deep": b"[" * 5000 + b"]" * 5000,  # before: 500 "mock error: RecursionError"
    "an object nested 5,000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "a list as username": b'{"username": [], "password": "x"}',  # before: 500 "TypeError: unhashable"
    "an object as password": b'{"username": "u", "password": {"a": 1}}',
    "a number as username": b'{"username": 1, "password": "pw"}',
    "not JSON": b"{",
    "not UTF-8": b'{"username": "\xff", "password": "pw"}',
    "a JSON string": b'"u"',
    "null": b"null",
    "empty": b"",
    "wrong password": b'{"username": "u", "password": "nope"}',
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_any_body_that_cannot_log_in_is_a_bare_400(app, body):
    answer = app.handle("POST", "/auth/login", "", {"content-type": "application/json"}, body)
    assert (answer.status, answer.headers, answer.body) == (400, [], b""), answer.body[:200]


def test_the_right_credentials_still_log_in(app):
    body = json.dumps({"username": "u", "password": "pw"}).encode()
    answer = app.handle("POST", "/auth/login", "", {"content-type": "application/json"}, body)
    assert answer.status == 200 and json.loads(answer.body)["token"] == app.customers[0].token
