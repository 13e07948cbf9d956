"""Every check fires on the mock fault that breaks its convention, and nothing fires on the conformant mock."""

from __future__ import annotations

from collections import Counter

import pytest

from conformance.checks import CATALOGUE, CHECKS, Exchange
from conformance.client.client import EngineClient
from conformance.mock import FAULTS, MockApp
from conformance.results.finding import Recorder
from tests.checks._replay import replay
from tests.conftest import each_test, run_in_process

PROFILES = ["voipbin-2026-01", "voipbin-2026-08"]


@pytest.mark.parametrize("profile", PROFILES)
def test_conformant_mock_yields_no_finding(make_runtime, profile):
    outcome = run_in_process(make_runtime(profile=profile, max_examples=5))
    assert outcome.findings == [], outcome.describe()
    assert outcome.cases > 500  # it really sent traffic


REPROS_TRIED = 4


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_caught_by_its_check_and_its_repro_shows_it_again(make_runtime, fault):
    expected = FAULTS[fault].check
    stateful = CHECKS[expected].kind == "stateful"
    runtime = make_runtime(
        mock_faults=(fault,), **({"profile": FAULTS[fault].profile} if FAULTS[fault].profile else {})
    )
    # As a user would: serve the mock as the run saw it, run the repro as given, see the same answers.
    # A repro of a request on a resource the run created cannot find it on a fresh mock: each test's shortest
    # repros first, and one of the first REPROS_TRIED must show the violation again. The run stops there: once
    # its check has fired and a repro shows it, the rest of the run cannot undo either (a whole run with a fault
    # took 5-30 s; most faults show on the first operation).
    fired: Counter[str] = Counter()
    tried = []
    for recorder in each_test(runtime, stateful=stateful, operations=not stateful):
        findings = [f.as_dict() for f in recorder.findings.values()]
        fired.update(f["check"] for f in findings)
        candidates = sorted((f for f in findings if f["check"] == expected), key=lambda f: len(f["repro"]))
        for finding in candidates[: REPROS_TRIED - len(tried)]:
            tried.append(finding["repro"])
            if _shows_again(runtime, fault, finding):
                return
        if len(tried) == REPROS_TRIED:
            break
    assert tried, f"{fault} went unnoticed; fired: {dict(fired)}"
    pytest.fail(f"no repro of {fault} shows it again: {tried}")


def _shows_again(runtime, fault, finding) -> bool:
    fresh = MockApp(runtime.spec, profile=runtime.profile, faults=[fault], seed=runtime.config.seed or 0)
    statuses, last_body = replay(finding, fresh)
    if finding["steps"]:
        return statuses == [step["status"] for step in finding["steps"]]
    if statuses != [finding["status"]]:
        return False
    check = CHECKS[finding["check"]]
    if check.kind != "response" or check.id == "invalid_input_rejected":
        return True  # probes: the same answer to the same request is the same violation
    request = finding["request"]
    again = Exchange(finding["operation"], request["method"], request["url"], {}, None, statuses[0], {}, b"")
    again.response_body = last_body.encode() if last_body else b""
    again.response_headers["content-type"] = finding["response"]["content_type"]
    ctx = EngineClient(runtime, Recorder()).context(finding["operation"])
    return bool(check.run(ctx, again))


@pytest.mark.parametrize("fault", ["error_without_message", "html_401", "undocumented_status"])
def test_faults_are_caught_under_the_later_profile(make_runtime, fault):
    runtime = make_runtime(profile="voipbin-2026-08", mock_faults=(fault,))
    checks = (f.check for recorder in each_test(runtime, stateful=False) for f in recorder.findings.values())
    assert FAULTS[fault].check in checks  # stops at the first test that fires it


def test_every_check_has_a_fault_that_fires_it():
    assert {fault.check for fault in FAULTS.values()} == set(CATALOGUE)
    assert set(CHECKS) == set(CATALOGUE)


def test_a_finding_carries_check_operation_message_and_repro(make_runtime):
    outcome = run_in_process(
        make_runtime(mock_faults=("error_without_message",), include="^GET /tags$"), stateful=False
    )
    finding = outcome.findings[0]
    assert finding["check"] == "error_envelope"
    assert finding["operation"] == "GET /tags"
    assert "message" in finding["message"]
    assert finding["repro"].startswith("curl ")


def test_faults_are_a_type_every_member_of_which_is_described():
    from conformance.mock import F

    assert set(FAULTS) == {member.value for member in F}
    assert all(FAULTS[name].name is F(name) for name in FAULTS)


def test_a_made_up_resource_for_any_id_is_not_a_leak_and_a_real_leak_stays_critical(make_runtime):
    """unknown_id_200 (as Prism does): the other customer's 200 shows a resource owned by itself, not the first
    customer's: "not refused as documented", a consequence of the unknown id answered 200. foreign_visible hands out
    the first customer's own resource: critical."""
    from conformance.results.problems import group

    def problems(fault):
        runtime = make_runtime(mock_faults=(fault,))
        outcome = run_in_process(runtime, stateful=True, operations=True)
        return outcome.findings, group(outcome.findings, len(runtime.operations))

    findings, made_up = problems("unknown_id_200")
    assert any(f["key"].startswith("read-not-theirs:") for f in findings), {(f["check"], f["key"]) for f in findings}
    assert [p["check"] for p in made_up] == ["unknown_resource_404"]
    assert made_up[0]["consequences"].get("tenant_isolation", 0) > 0
    _, leaked = problems("foreign_visible")
    assert [(p["check"], p["severity"]) for p in leaked] == [("tenant_isolation", "critical")]
