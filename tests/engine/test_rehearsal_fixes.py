"""What a nightly rehearsal against a live-like target showed: isolation on collections that cannot be created,
a check with nothing to try is not a pass, a base URL without the API's prefix, reach of a read-only run."""

from __future__ import annotations

import json

import pytest

from conformance.checks import CHECKS, Auth, Exchange
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests._servers import write_spec
from tests.engine.test_cli import assert_one_line_error, cli

pytestmark = pytest.mark.http

ITEM = {"type": "object", "properties": {"id": {"type": "string"}, "customer_id": {"type": "string"}}}
LIST = {
    "type": "object",
    "required": ["result", "next_page_token"],
    "properties": {"result": {"type": "array", "items": ITEM}, "next_page_token": {"type": "string"}},
}
READ_ONLY = {  # a collection the API fills itself (calls, recordings, billings): a list and a read, no create
    "/recordings": {"get": {"parameters": [{"name": "page_size", "in": "query", "schema": {"type": "integer"}}],
                            "responses": {"200": {"description": "ok", "content": {"application/json": {
                                "schema": LIST}}}, "400": {"description": "bad"}}}},
    "/recordings/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                 "schema": {"type": "string"}}],
                                 "responses": {"200": {"description": "ok", "content": {
                                     "application/json": {"schema": ITEM}}}, "404": {"description": "no"}}}},
}  # fmt: skip


def _served_run(app: MockApp, tmp_path, spec_path: str, env: dict[str, str], *args: str):
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        return cli(
            "run", "--spec", spec_path, "--base-url", f"http://127.0.0.1:{server.port}{app.spec.base_path}",
            "--max-examples", "1",
            "--report-dir", "out", *args, cwd=tmp_path, env=env,
        )  # fmt: skip
    finally:
        server.shutdown()


def _results(tmp_path) -> dict:
    return json.loads((tmp_path / "out" / "results.json").read_text())


@pytest.mark.parametrize(("faults", "expected"), [((), 0), (("foreign_visible",), 1)])
def test_a_collection_without_a_create_is_still_kept_apart(tmp_path, faults, expected):
    spec_path = write_spec(tmp_path / "spec.json", READ_ONLY)
    app = MockApp(load_spec(spec_path), profile=load_profile("voipbin-2026-01"), seed=3, faults=faults)
    env = {"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_OTHER_TOKEN": app.customers[1].token}
    result = _served_run(app, tmp_path, spec_path, env, "--checks", "tenant_isolation")
    assert result.returncode == expected, result.stdout[-2000:]
    results = _results(tmp_path)
    assert results["summary"]["checks"]["tenant_isolation"]["passed" if not faults else "failed"] == 1
    if faults:
        assert results["problems"][0]["severity"] == "critical"


def test_a_check_with_nothing_to_try_is_not_a_pass(tmp_path, bundled):
    """The first customer has no resource anywhere: isolation cannot be tried, and says so; it is not 'passed'."""
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3, seed_items=0)
    env = {"VOIPBIN_TOKEN": app.customers[0].token, "VOIPBIN_OTHER_TOKEN": app.customers[1].token}
    result = _served_run(app, tmp_path, str(bundled), env, "--checks", "tenant_isolation", "--include", "tags")
    summary = _results(tmp_path)["summary"]
    entry = summary["checks"]["tenant_isolation"]
    assert (entry["passed"], entry["failed"], bool(entry.get("not_judged"))) == (0, 0, True), entry
    assert any(item.startswith("tenant_isolation on GET /tags/{id}: the customer has no resource")
               for item in summary["not_judged"])  # fmt: skip
    assert summary["verdict"]["headline"] != "Passed: the target follows every checked convention"
    assert any(reason.startswith("not judged: tenant_isolation") for reason in summary["verdict"]["reasons"])
    assert "not judged: tenant_isolation" in result.stdout


def test_a_base_url_without_the_apis_prefix_is_one_line(tmp_path, bundled):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        result = cli("run", "--base-url", f"http://127.0.0.1:{server.port}", cwd=tmp_path,
                     env={"VOIPBIN_TOKEN": app.customers[0].token})  # fmt: skip
    finally:
        server.shutdown()
    assert_one_line_error(result, "answered 404", "/v1.0")


def test_a_read_only_run_counts_reach_over_what_it_may_send(tmp_path, bundled):
    app = MockApp(load_spec(str(bundled)), profile=load_profile("voipbin-2026-01"), seed=3)
    env = {"VOIPBIN_TOKEN": app.customers[0].token}
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        result = cli(
            "run",
            "--base-url",
            f"http://127.0.0.1:{server.port}/v1.0",
            "--include",
            "tags",
            "--max-examples",
            "1",
            "--min-reach",
            "100",
            "--report-dir",
            "out",
            cwd=tmp_path,
            env=env,
        )
    finally:
        server.shutdown()  # fmt: skip
    reach = _results(tmp_path)["summary"]["reach"]
    assert reach["not_allowed"] and all(op.split()[0] in ("POST", "PUT", "DELETE") for op in reach["not_allowed"])
    assert reach["percent"] == 100.0 and result.returncode == 0, (reach, result.stdout[-1500:])


class _Silent:
    """A client whose every request goes unanswered."""

    def send(self, operation, method, request, **_):  # type: ignore[no-untyped-def]
        return Exchange(operation, method, "http://t/v1.0" + request.path, {}, None, error="no complete answer")

    def note(self, text):  # type: ignore[no-untyped-def]
        pass


def test_a_silence_is_not_a_refusal_of_valid_credentials(make_runtime):
    """auth_accepted judges a 401 only: a request that got no answer is server_error's (a false critical before)."""
    from conformance.client.client import EngineClient
    from conformance.results.finding import Recorder

    runtime = make_runtime()
    ctx = EngineClient(runtime, Recorder()).context("GET /tags")
    ctx.client = _Silent()  # type: ignore[assignment]
    ctx.example = ctx.client and EngineClient(runtime, Recorder()).example(ctx.operation)
    assert CHECKS["auth_accepted"].run(ctx) == []
    assert Auth  # the probe presents each mechanism in turn; none was refused


def test_an_operation_that_documents_no_success_is_not_judged_for_accepted_credentials(make_runtime):
    """Prism, 2026-08-22: GET /ws (a websocket upgrade) declares only 401 and 500; its 401 to a plain GET was three
    critical "valid credentials are refused". Where an operation documents a success, the probe still judges."""
    import dataclasses

    from conformance.client.client import EngineClient
    from conformance.results.finding import Recorder

    runtime = make_runtime()
    ctx = EngineClient(runtime, Recorder()).context("GET /tags")
    assert CHECKS["auth_accepted"].judges(ctx)
    own = ctx.operation.definition
    only_errors = {"401": {"description": "no"}, "500": {"description": "no"}}
    ctx.operation = dataclasses.replace(ctx.operation, definition={**own, "responses": only_errors})
    assert not CHECKS["auth_accepted"].judges(ctx)
    open_ended = {**only_errors, "default": {"description": "anything"}}
    ctx.operation = dataclasses.replace(ctx.operation, definition={**own, "responses": open_ended})
    assert CHECKS["auth_accepted"].judges(ctx)
