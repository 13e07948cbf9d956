"""Every check fires on the mock fault that breaks its convention, and nothing fires on the conformant mock."""

from __future__ import annotations

import pytest

from conformance.checks import CATALOGUE, CHECKS
from conformance.mock import FAULTS
from tests.conftest import run_in_process

PROFILES = ["voipbin-2026-01", "voipbin-2026-08"]


@pytest.mark.parametrize("profile", PROFILES)
def test_conformant_mock_yields_no_finding(make_runtime, profile):
    outcome = run_in_process(make_runtime(profile=profile, max_examples=5))
    assert outcome.findings == [], outcome.describe()
    assert outcome.cases > 500  # it really sent traffic


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_caught_by_its_check(make_runtime, fault):
    expected = FAULTS[fault].check
    stateful = CHECKS[expected].kind == "stateful"
    outcome = run_in_process(make_runtime(mock_faults=(fault,)), stateful=stateful, operations=not stateful)
    assert outcome.by_check[expected] > 0, f"{fault} went unnoticed; fired: {dict(outcome.by_check)}"


@pytest.mark.parametrize("fault", ["error_without_message", "html_401", "undocumented_status"])
def test_faults_are_caught_under_the_later_profile(make_runtime, fault):
    outcome = run_in_process(make_runtime(profile="voipbin-2026-08", mock_faults=(fault,)), stateful=False)
    assert outcome.by_check[FAULTS[fault].check] > 0


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
