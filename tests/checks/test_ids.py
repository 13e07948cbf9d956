"""The id and route probes on hand-made answers: an id that names nothing (a fresh UUID, the empty UUID, a value
that is not an id) on every method of a path that takes one; a method a path does not serve; what each profile
demands, and what it leaves open."""

from __future__ import annotations

import pytest

from conformance.checks import CHECKS, Request
from conformance.checks.probes import INERT_PATH_VALUE
from tests.checks.test_resources import spec  # noqa: F401 - the fixture
from tests.checks.test_responses import ERROR_01, ERROR_08, ctx, exchange

NIL = "00000000-0000-0000-0000-000000000000"
TAG = "d9d32881-12fd-4b19-a6b2-6d5b6b6acf76"


class Answers:
    """A client answering each request by what its path ends in: the empty UUID, the malformed value, or else."""

    def __init__(self, *, unknown: int, nil: int = 404, malformed: int = 400) -> None:
        self.statuses = {NIL: nil, INERT_PATH_VALUE: malformed}
        self.unknown, self.sent = unknown, []

    def send(self, operation, method, request, **options):  # type: ignore[no-untyped-def]
        self.sent.append((method, request, options))
        segment = next((s for s in request.path.split("/") if s in self.statuses), None)
        status = self.statuses[segment] if segment else self.unknown
        return exchange(f"{method} {request.path}", status, ERROR_01 if status >= 400 else {"id": TAG})

    def note(self, text: str) -> None:
        pass


def probe(spec, check: str, label: str, client: Answers, profile: str = "voipbin-2026-01", path: str = ""):  # noqa: F811
    c = ctx(spec, label, profile)
    c.client = client  # type: ignore[assignment]
    c.example = Request(path or label.split(" ", 1)[1].replace("{id}", TAG), {}, {"name": "n"}, True)
    if not CHECKS[check].judges(c):
        return None
    return [fail.key for fail in CHECKS[check].run(c)]


@pytest.mark.parametrize("label", ["GET /tags/{id}", "PUT /tags/{id}", "DELETE /tags/{id}", "POST /calls/{id}/hangup"])
def test_every_method_of_a_path_with_an_id_is_probed_inert(spec, label):  # noqa: F811
    client = Answers(unknown=404)
    assert probe(spec, "unknown_resource_404", label, client) == []
    assert probe(spec, "malformed_id_rejected", label, client) == []
    writes = label.split()[0] != "GET"
    assert all(options["inert"] is writes for _, _, options in client.sent)  # it names nothing: never a write
    assert [request.path.split("/")[2] for _, request, _ in client.sent][1:] == [NIL, INERT_PATH_VALUE]


def test_a_list_names_no_id_to_probe(spec):  # noqa: F811
    assert probe(spec, "unknown_resource_404", "GET /tags", Answers(unknown=200)) is None
    assert probe(spec, "malformed_id_rejected", "GET /tags", Answers(unknown=200)) is None


@pytest.mark.parametrize(
    ("label", "unknown", "keys"),
    [("GET /tags/{id}", 200, ["status:200"]), ("GET /tags/{id}", 400, ["status:400"]),
     ("DELETE /tags/{id}", 200, ["status:200"]), ("PUT /tags/{id}", 200, ["status:200"]),
     ("PUT /tags/{id}", 400, []),  # a write may be refused for its body first: only acting on nothing is wrong
     ("POST /calls/{id}/hangup", 204, ["status:204"])],
)  # fmt: skip
def test_an_unknown_id_is_never_acted_on(spec, label, unknown, keys):  # noqa: F811
    assert probe(spec, "unknown_resource_404", label, Answers(unknown=unknown)) == keys


@pytest.mark.parametrize(("nil", "keys"), [(404, []), (400, []), (200, ["nil-id:200"]), (500, ["nil-id:500"])])
def test_the_empty_uuid_names_nothing(spec, nil, keys):  # noqa: F811
    assert probe(spec, "unknown_resource_404", "GET /tags/{id}", Answers(unknown=404, nil=nil)) == keys


def test_the_empty_uuid_is_not_a_second_problem_where_any_unknown_id_is_one(spec):  # noqa: F811
    assert probe(spec, "unknown_resource_404", "DELETE /tags/{id}", Answers(unknown=200, nil=200)) == ["status:200"]


@pytest.mark.parametrize(
    ("profile", "malformed", "fired"),
    [("voipbin-2026-01", 400, False), ("voipbin-2026-01", 404, False), ("voipbin-2026-01", 200, True),
     ("voipbin-2026-08", 400, False), ("voipbin-2026-08", 404, True), ("voipbin-2026-08", 200, True)],
)  # fmt: skip
def test_a_malformed_id_gets_what_each_revision_documents(spec, profile, malformed, fired):  # noqa: F811
    for label in ("GET /tags/{id}", "DELETE /tags/{id}"):
        keys = probe(spec, "malformed_id_rejected", label, Answers(unknown=404, malformed=malformed), profile)
        assert keys == ([f"status:{malformed}"] if fired else []), (label, keys)


def test_a_malformed_id_is_judged_where_the_spec_declares_no_uuid(spec):  # noqa: F811
    """The real 2026-01-15 source types its ids as plain strings: the profile's rule is what judges there."""
    from conformance.openapi import Operation

    declared = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    c = ctx(spec, "GET /tags/{id}")
    c.operation = Operation("GET", "/tags/{id}", {"parameters": [declared], "responses": {}}, {})
    assert CHECKS["malformed_id_rejected"].judges(c)


class Routes:
    def __init__(self, status: int, body, media: str = "application/json") -> None:
        self.answer, self.sent = (status, body, media), []

    def send(self, operation, method, request, **options):  # type: ignore[no-untyped-def]
        self.sent.append((method, request, options))
        status, body, media = self.answer
        return exchange(f"{method} {request.path}", status, body, content_type=media)

    def note(self, text: str) -> None:
        pass


@pytest.mark.parametrize(
    ("profile", "status", "body", "media", "keys"),
    [("voipbin-2026-01", 404, ERROR_01, "application/json", []),
     ("voipbin-2026-08", 404, ERROR_08, "application/json", []),
     ("voipbin-2026-01", 405, ERROR_01, "application/json", ["status:405"]),
     ("voipbin-2026-01", 404, b"404 page not found", "text/plain", ["not-json"]),
     ("voipbin-2026-08", 404, ERROR_01, "application/json", ["not-envelope"]),
     # its body, "{", refused first as invalid JSON (the docs' 400): documented, in the envelope, no finding
     ("voipbin-2026-01", 400, ERROR_01, "application/json", []),
     ("voipbin-2026-01", 400, b"bad", "text/plain", ["not-json"]),
     ("voipbin-2026-01", 200, ERROR_01, "application/json", ["status:200"])],
)  # fmt: skip
def test_a_method_a_path_does_not_serve(spec, profile, status, body, media, keys):  # noqa: F811
    client = Routes(status, body, media)
    # /tags serves GET and POST: the probe asks once, on the path's first operation, by a method it does not serve
    assert probe(spec, "unserved_method", "POST /tags", client, profile) is None
    assert probe(spec, "unserved_method", "GET /tags", client, profile) == keys
    (method, request, options), *_ = client.sent
    assert method == "PUT" and options["inert"] and options["judge"] is False  # its answer is this check's alone
    assert request.has_body  # sent as "{", which no server reads as a request


def test_an_unserved_method_never_deletes_a_whole_collection(spec):  # noqa: F811
    client = Routes(404, ERROR_01)
    probe(spec, "unserved_method", "GET /tags", client)
    assert all(method != "DELETE" for method, _, _ in client.sent)
    client = Routes(404, ERROR_01)
    probe(spec, "unserved_method", "DELETE /tags/{id}", client)  # DELETE, GET and PUT served: POST, spoiled
    (method, request, _), *_ = client.sent
    assert method == "POST" and request.path == f"/tags/{INERT_PATH_VALUE}"


def test_a_create_under_an_id_goes_out_only_where_writes_are_allowed(tmp_path):
    """POST /campaigns/{id}/calls needs no match to act: a target that does not look the id up creates an orphan."""
    from conformance.checks import Context, Credentials, Limits, NotJudged
    from conformance.openapi import load_spec
    from conformance.profiles import load_profile
    from tests._servers import LIST_RESPONSES, write_spec

    ok = {"201": {"description": "made", "content": {"application/json": {"schema": {"type": "object"}}}}}
    item = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
    paths = {
        "/campaigns": {"get": {"responses": LIST_RESPONSES}},
        "/campaigns/{id}": {"get": {"parameters": [item], "responses": ok}},
        "/campaigns/{id}/calls": {"post": {"parameters": [item], "responses": ok}},
        "/campaigns/{id}/calls/{call}": {"get": {"parameters": [item, {**item, "name": "call_id"}], "responses": ok}},
    }
    nested = load_spec(write_spec(tmp_path / "spec.json", paths))
    for allowed, sent in ((False, 0), (True, 2)):
        client = Answers(unknown=404)
        operation = nested.shape.by_label["POST /campaigns/{id}/calls"]
        limits = Limits(allow_writes=allowed)
        c = Context(load_profile("voipbin-2026-01"), nested, operation, client, Credentials(), limits)  # type: ignore[arg-type]
        c.example = Request(f"/campaigns/{TAG}/calls", {}, {}, True)
        for check in ("unknown_resource_404", "malformed_id_rejected"):
            if allowed:
                assert CHECKS[check].run(c) == []
            else:
                with pytest.raises(NotJudged, match="--allow-writes"):
                    CHECKS[check].run(c)
        assert len(client.sent) == sent + (1 if allowed else 0)  # the empty UUID too, where it was sent at all
