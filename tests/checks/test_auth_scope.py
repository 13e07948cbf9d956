"""What a revision's docs promise about credentials, and nothing more: live-only channels are probed, never demanded;
operations the spec or the docs call unauthenticated are not judged for credentials; one missing authentication is
one problem."""

from __future__ import annotations

import pytest

from conformance.results import problems
from tests.conftest import real_spec, run_in_process

AUTH = ("auth_missing_rejected", "auth_invalid_rejected", "auth_accepted")


def test_a_target_reading_no_cookie_follows_the_2026_01_docs(make_runtime):
    """2026-01-15 names no cookie channel: a target that reads none gets 0 findings under the default profile."""
    outcome = run_in_process(make_runtime(mock_faults=("cookies_ignored",), include="^(GET|POST) /tags$"))
    assert outcome.cases > 10
    assert outcome.findings == [], outcome.describe()


def test_the_same_target_breaks_2026_08_which_documents_the_token_cookie(make_runtime):
    runtime = make_runtime(mock_faults=("cookies_ignored",), profile="voipbin-2026-08", include="^GET /tags$")
    outcome = run_in_process(runtime, stateful=False)
    assert {f["check"] for f in outcome.findings} == {"auth_accepted"}, outcome.describe()
    assert all("token_cookie" in f["message"] for f in outcome.findings)


def test_a_live_only_channel_is_still_probed_with_invalid_credentials(make_runtime):
    """A hole is a hole: a forged token in the (undocumented in 2026-01) token cookie let through still fires."""
    runtime = make_runtime(mock_faults=("token_cookie_unverified",), include="^GET /tags$", checks=AUTH)
    outcome = run_in_process(runtime, stateful=False)
    assert outcome.by_check["auth_invalid_rejected"] > 0
    assert all("cookie" in f["message"] for f in outcome.findings), outcome.describe()


def test_no_authentication_at_all_is_one_critical_problem(make_runtime):
    """A target that authenticates nothing: no credentials, invalid ones and the other customer's reads all pass.
    One cause: auth_missing_rejected's problem, the rest its consequences."""
    runtime = make_runtime(mock_faults=("no_authentication",), include="^(GET|POST) /tags")
    outcome = run_in_process(runtime)
    assert {"auth_missing_rejected", "auth_invalid_rejected", "tenant_isolation"} <= set(outcome.by_check)
    found = problems.group(outcome.findings, 2)
    assert [p["check"] for p in found] == ["auth_missing_rejected"], found
    assert found[0]["severity"] == "critical"


def test_invalid_credentials_alone_are_their_own_problem(make_runtime):
    runtime = make_runtime(mock_faults=("any_bearer_accepted",), include="^GET /tags$", checks=AUTH)
    found = problems.group(run_in_process(runtime, stateful=False).findings, 1)
    assert [p["check"] for p in found] == ["auth_invalid_rejected"], found


@pytest.mark.realspec
def test_operations_the_spec_or_the_docs_call_unauthenticated_are_not_judged_for_credentials(make_runtime):
    """2026-08-22: /auth/signup is unauthenticated by the docs (auth_overview), /auth/boot by the spec's description
    too; answering them without credentials is right. /auth/unregister requires authentication: it still fires."""
    runtime = make_runtime(
        spec=str(real_spec("2026-08-22")),
        profile="voipbin-2026-08",
        mock_faults=("no_authentication",),
        include="^POST /auth/(signup|boot|unregister)$",
        checks=AUTH,
    )
    outcome = run_in_process(runtime, stateful=False)
    assert {f["operation"] for f in outcome.findings} == {"POST /auth/unregister"}, outcome.describe()
    assert outcome.by_check["auth_missing_rejected"] > 0


@pytest.mark.realspec
def test_why_an_operation_is_unauthenticated_names_its_source(make_runtime):
    from conformance.checks._model import unauthenticated
    from conformance.client.client import EngineClient
    from conformance.results.finding import Recorder

    runtime = make_runtime(
        spec=str(real_spec("2026-08-22")),
        profile="voipbin-2026-08",
        include="^(POST /auth/(signup|boot|unregister)|GET /tags)$",
    )
    client = EngineClient(runtime, Recorder())

    def why(label: str) -> str | None:
        ctx = client.context(label)
        return unauthenticated(ctx.profile, ctx.spec.document, ctx.operation)

    assert "auth_overview-2026-08-22" in str(why("POST /auth/signup"))
    assert "description" in str(why("POST /auth/boot"))
    assert why("POST /auth/unregister") is None and why("GET /tags") is None


@pytest.mark.realspec
def test_traffic_to_an_unauthenticated_operation_without_credentials_is_no_finding():
    from conformance.checks import Exchange
    from conformance.checks.traffic import MissingCredentials
    from conformance.openapi import load_spec
    from conformance.profiles import load_profile

    profile = load_profile("voipbin-2026-08")
    observer = MissingCredentials(profile, load_spec(str(real_spec("2026-08-22"))))

    def seen(label: str, headers: dict[str, str]) -> list[str]:
        method, path = label.split(" ", 1)
        sent = Exchange(label, method, "https://api.voipbin.net/v1.0" + path, headers, None, 200, {}, b"{}")
        return [fail.key for observed in observer.see(sent) for fail in observed.fails]

    assert seen("GET /tags", {"Authorization": "Bearer alice-token-0123456789"}) == []  # credentials are recorded
    assert seen("POST /auth/signup", {}) == []
    assert seen("POST /auth/unregister", {}) == ["missing:200"]


def test_the_spec_marks_an_operation_unauthenticated_by_security_or_by_its_words():
    from conformance.checks._model import unauthenticated
    from conformance.openapi import Operation
    from conformance.profiles import load_profile

    profile = load_profile("voipbin-2026-01")  # no docs list: only the spec speaks

    def why(definition: dict, document: dict | None = None) -> str | None:
        return unauthenticated(profile, document or {}, Operation("POST", "/x", definition, {}))

    assert "security" in str(why({"security": []}))
    assert "security" in str(why({}, {"security": []}))
    assert why({"security": [{"bearer": []}]}, {"security": []}) is None  # the operation's own wins
    assert "description" in str(why({"description": "Resolves a hash. This endpoint is unauthenticated."}))
    assert why({"description": "Lists calls for the authenticated customer."}) is None
    assert why({"description": "Answers 401 Unauthenticated without a token."}) is None
    assert why({}) is None
