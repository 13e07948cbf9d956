"""The observers hold against a target only what the traffic proves: hand-made sequences a client could send that
look like a broken convention and are not (a page fetched twice, another customer's refused read, a list that
went out before the delete was answered, a page_size the server may read as "the default")."""

from __future__ import annotations

import json

import pytest

from conformance.checks import Exchange
from conformance.checks.traffic import Lifecycle, MissingCredentials, PageChains, credentials
from conformance.data import bundled_spec_path
from conformance.openapi import load_spec
from conformance.profiles import load_profile

API = "https://api.voipbin.net/v1.0"
ALICE, BOB = {"Authorization": "Bearer alice-token-0123456789"}, {"Authorization": "Bearer bob-token-0123456789ab"}


@pytest.fixture(scope="module")
def world():
    profile = load_profile("voipbin-2026-08")
    return profile, load_spec(str(bundled_spec_path())).follow(profile.page_params, profile.result_field)


def exchange(operation, method, url, status, body=None, headers=ALICE, at=0.0):
    data = json.dumps(body).encode() if body is not None else b""
    return Exchange(
        operation, method, API + url, dict(headers), None, status, {"content-type": "application/json"}, data,
        elapsed=0.01, started=at,
    )  # fmt: skip


def page(ids, next_token, url="/tags?page_size=2", at=0.0, headers=ALICE):
    body = {"result": [{"id": i} for i in ids], "next_page_token": next_token}
    return exchange("GET /tags", "GET", url, 200, body, headers, at)


def fails(observer, *exchanges):
    return [fail for ex in exchanges for observed in observer.see(ex) for fail in observed.fails]


def test_a_page_fetched_twice_is_no_repeat(world):
    chains = PageChains(*world)
    first = page(["a", "b"], "t1", at=1)
    second = page(["c", "d"], "t2", url="/tags?page_size=2&page_token=t1", at=2)
    again = page(["c", "d"], "t2", url="/tags?page_size=2&page_token=t1", at=3)  # a retry, or a refresh
    assert fails(chains, first, second, again) == []


def test_a_chain_that_repeats_an_item_or_loops_is_caught(world):
    chains = PageChains(*world)
    first = page(["a", "b"], "t1", at=1)
    second = page(["b", "c"], "t1", url="/tags?page_size=2&page_token=t1", at=2)
    assert {fail.key for fail in fails(chains, first, second)} == {"repeated-item", "token-loop"}


def test_pages_of_other_filters_or_callers_are_other_chains(world):
    chains = PageChains(*world)
    first = page(["a", "b"], "t1", at=1)
    theirs = page(["a", "b"], "t9", url="/tags?page_size=2&page_token=t1", at=2, headers=BOB)
    filtered = page(["a"], "", url="/tags?page_size=2&page_token=t1&name=x", at=3)
    assert fails(chains, first, theirs, filtered) == []


@pytest.mark.parametrize("size", ["0", "-1", "junk", ""])
def test_a_page_size_the_server_may_read_as_the_default_is_not_held_against_it(world, size):
    assert fails(PageChains(*world), page(["a", "b", "c"], "", url=f"/tags?page_size={size}", at=1)) == []


def test_another_customers_refused_read_of_a_created_resource_is_no_lost_create(world):
    lifecycle = Lifecycle(*world)
    made = exchange("POST /tags", "POST", "/tags", 200, {"id": "6f1c1d7e-0000-4000-8000-000000000001"}, at=1)
    foreign = exchange("GET /tags/{id}", "GET", "/tags/6f1c1d7e-0000-4000-8000-000000000001", 404, {}, BOB, at=2)
    assert fails(lifecycle, made, foreign) == []
    own = exchange("GET /tags/{id}", "GET", "/tags/6f1c1d7e-0000-4000-8000-000000000001", 404, {}, at=3)
    assert [fail.key for fail in fails(lifecycle, own)] == ["read-after-create:404"]


def test_a_read_sent_before_the_create_was_answered_proves_nothing(world):
    lifecycle = Lifecycle(*world)
    made = exchange("POST /tags", "POST", "/tags", 200, {"id": "6f1c1d7e-0000-4000-8000-000000000002"}, at=1.0)
    made.elapsed = 0.5
    early = exchange("GET /tags/{id}", "GET", "/tags/6f1c1d7e-0000-4000-8000-000000000002", 404, {}, at=1.2)
    assert fails(lifecycle, made, early) == []


def test_a_list_that_went_out_before_the_delete_was_answered_may_still_show_it(world):
    lifecycle = Lifecycle(*world)
    item = "6f1c1d7e-0000-4000-8000-000000000003"
    gone = exchange("DELETE /tags/{id}", "DELETE", f"/tags/{item}", 200, {"id": item}, at=1.0)
    gone.elapsed = 0.5
    racing = page([item], "", url="/tags", at=1.1)
    assert fails(lifecycle, gone, racing) == []
    later = page([item], "", url="/tags", at=2.0)
    assert [fail.key for fail in fails(lifecycle, later)] == ["zombie-listed"]


def test_a_placeholder_is_no_credential(world):
    profile, _ = world
    for value in ("Bearer undefined", "Bearer null", "Bearer ", "undefined"):
        before = exchange("GET /tags", "GET", "/tags", 200, headers={"Authorization": value})
        assert credentials(profile, before) == set()
    url = "/tags?accesskey=key-0123456789abcdef"
    cookie = exchange("GET /tags", "GET", url, 200, headers={"Cookie": "token=t0123"})
    assert credentials(profile, cookie) == {"key-0123456789abcdef", "t0123"}


def test_credential_less_requests_wait_until_the_traffic_shows_credentials(world):
    missing = MissingCredentials(*world)
    bare = exchange("GET /tags", "GET", "/tags", 200, headers={})
    assert fails(missing, bare) == []  # nothing yet says credentials were recorded at all
    assert [fail.key for fail in fails(missing, page(["a"], ""))] == ["missing:200"]
    assert list(missing.finish()) == [] and missing.notes == []


def test_an_id_that_is_not_one_answered_as_found_is_caught(world):
    from conformance.checks.traffic import MalformedIds

    ids = MalformedIds(*world)
    found = exchange("GET /tags/{id}", "GET", "/tags/undefined", 200, {"id": "d9d32881-12fd-4b19-a6b2-6d5b6b6acf76"})
    assert [fail.key for fail in fails(ids, found)] == ["status:200"]
    refused = exchange("GET /tags/{id}", "GET", "/tags/undefined", 400, {})
    real = exchange("GET /tags/{id}", "GET", "/tags/d9d32881-12fd-4b19-a6b2-6d5b6b6acf76", 200, {})
    unauthenticated = exchange("GET /tags/{id}", "GET", "/tags/null", 401, {})
    listed = exchange("GET /tags", "GET", "/tags?page_size=undefined", 200, {"result": [], "next_page_token": ""})
    assert fails(ids, refused, real, unauthenticated, listed) == []
    assert [len(list(ids.see(ex))) for ex in (refused, real, unauthenticated)] == [1, 0, 0]  # judged, passed


def route(method, path, status, body, media="application/json"):
    """An exchange that matched no operation: labelled by its own method and path, as the traffic judge does."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(f"{method} {path}", method, API + path, dict(ALICE), None, status, {"content-type": media}, data)


ENVELOPE_08 = {"error": {"status": "NOT_FOUND", "reason": "ROUTE_NOT_FOUND", "message": "m", "request_id": "r"}}


def test_a_typo_route_answered_outside_the_envelope_is_caught(world):
    from conformance.checks.traffic import UnknownRoutes, UnservedMethods

    routes, methods = UnknownRoutes(*world), UnservedMethods(*world)
    typo = route("GET", "/tag", 404, b"404 page not found", "text/plain")
    assert [fail.key for fail in fails(routes, typo)] == ["not-json"]
    assert fails(methods, typo) == []  # no path of the spec: the unknown route's, not an unserved method's
    assert fails(routes, route("GET", "/tag", 404, ENVELOPE_08)) == []
    assert [fail.key for fail in fails(routes, route("GET", "/tag", 200, {}))] == ["status:200"]


def test_a_method_a_path_does_not_serve_is_the_unserved_methods_own(world):
    from conformance.checks.traffic import UnknownRoutes, UnservedMethods

    routes, methods = UnknownRoutes(*world), UnservedMethods(*world)
    patched = route("PATCH", "/tags", 405, ENVELOPE_08)
    assert [fail.key for fail in fails(methods, patched)] == ["status:405"]
    assert fails(routes, patched) == []
    assert fails(methods, route("PATCH", "/tags", 404, ENVELOPE_08)) == []
    preflight = route("OPTIONS", "/tags", 204, b"", "")  # a browser's CORS preflight is no request for the API
    assert fails(methods, preflight) == [] and list(methods.see(preflight)) == []
    assert list(methods.see(exchange("GET /tags", "GET", "/tags", 200, {"result": [], "next_page_token": ""}))) == []


def _listing(item, tm_delete, at):
    return exchange("GET /tags", "GET", "/tags", 200, {"result": [{"id": item, "tm_delete": tm_delete}]}, at=at)


def test_a_deleted_resource_listed_as_soft_deleted_follows_the_docs(world):
    """The docs promise tm_delete set on a deleted resource, not that a list leaves it out (Prism audit: 33 false
    'still live' operations on 2026-01-15)."""
    lifecycle = Lifecycle(*world)
    item = "6f1c1d7e-0000-4000-8000-000000000004"
    gone = exchange("DELETE /tags/{id}", "DELETE", f"/tags/{item}", 200, {"id": item}, at=1.0)
    assert fails(lifecycle, gone, _listing(item, "2026-01-15 10:00:00.000000", 2.0)) == []
    live = _listing(item, "9999-01-01 00:00:00.000000", 3.0)
    assert [fail.key for fail in fails(lifecycle, live)] == ["zombie-listed"]
