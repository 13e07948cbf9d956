"""sweep4: --auth-probes spread when the first operation a process judges sends no credential at all (a body-less
write on a fixed path, not sent without --allow-writes): its turn to get every variant is spent on nothing, so the
next operation gets only its share and some variants are never sent. `every` catches the fault; spread must too."""

from __future__ import annotations

import json

import pytest

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile
from tests._servers import LIST_RESPONSES, write_spec
from tests.engine.test_cli import cli

_OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
PATHS = {
    "/portal_session": {"post": {"responses": _OK}},  # no body, no path value: inert() has nothing to spoil
    "/things": {"get": {"responses": LIST_RESPONSES}},
}


@pytest.mark.parametrize("mode", ["every", "spread"])
def test_a_fault_every_catches_is_caught_by_spread_when_the_first_operation_sends_nothing(tmp_path, mode):
    spec = load_spec(write_spec(tmp_path / "spec.json", PATHS))
    mock = MockApp(spec, profile=load_profile("voipbin-2026-08"), seed=3, faults=["token_cookie_unverified"])
    server = serve_in_thread(mock, "127.0.0.1", 0)
    try:
        customer = mock.customers[0]
        url = f"http://127.0.0.1:{server.port}{spec.base_path}"
        result = cli(
            "run", "--base-url", url, "--spec", str(tmp_path / "spec.json"),
            "--profile", "voipbin-2026-08", "--max-examples", "1", "--seed", "1", "--auth-probes", mode,
            "--checks", "auth_missing_rejected,auth_invalid_rejected,auth_accepted", "--report-dir", "out",
            cwd=tmp_path, env={"VOIPBIN_TOKEN": customer.token, "VOIPBIN_ACCESSKEY": customer.accesskey},
        )  # fmt: skip
    finally:
        server.shutdown()
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["verdict"]["outcome"] == "failed", (mode, result.stdout[-2000:], result.stderr[-2000:])
