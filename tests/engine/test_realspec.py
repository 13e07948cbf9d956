"""Both real VoIPBIN sources through the conformant mock: every operation tested, no finding, and the success path
of nearly all of them reached (the mock starts with resources, and the run finds their ids in the lists)."""

from __future__ import annotations

import pytest

from tests.conftest import real_spec, run_in_process
from tests.engine.test_reach import reach_of

pytestmark = pytest.mark.realspec


@pytest.mark.parametrize(
    ("date", "profile", "operations"),
    [
        ("2026-01-15", "voipbin-2026-01", 266),
        ("2026-08-22", "voipbin-2026-08", 410),
    ],
)
def test_real_source_through_the_mock_has_no_finding(make_runtime, date, profile, operations):
    runtime = make_runtime(spec=str(real_spec(date)), profile=profile, max_examples=1)
    outcome = run_in_process(runtime)
    assert len(runtime.operations) == operations
    assert outcome.findings == [], outcome.describe()
    assert outcome.cases > operations * 5
    reached = reach_of(runtime, outcome)
    assert reached["percent"] >= 95, reached["never_2xx"]
