"""One cause, one problem, for the causes Prism split (issue #24): a malformed id answered in more than one way, an
answer both undocumented and outside the envelope, a missing authentication seen by three checks."""

from __future__ import annotations

from conformance.results.problems import group


def finding(check: str, operation: str, key: str, status: int | None) -> dict:
    return {
        "check": check,
        "operation": operation,
        "key": key,
        "status": status,
        "fingerprint": check + key + operation,
    }


def test_a_malformed_id_answered_200_here_and_307_there_is_one_problem():
    problems = group(
        [
            finding("malformed_id_rejected", "GET /a/{id}", "status:200", 200),
            finding("malformed_id_rejected", "GET /b/{id}", "status:307", 307),
        ],
        2,
    )
    assert len(problems) == 1
    assert "answered 200, 307 (answered as found)" in problems[0]["title"] and problems[0]["operations_affected"] == 2


def test_an_undocumented_status_outside_the_envelope_is_one_problem():
    problems = group(
        [
            finding("status_code", "POST /a", "status:422", 422),
            finding("error_envelope", "POST /a", "schema:body:required:error", 422),
            finding("status_code", "POST /b", "status:422", 422),
            finding("error_envelope", "POST /b", "schema:body:type", 422),
        ],
        2,
    )
    assert [p["check"] for p in problems] == ["status_code"]
    assert problems[0]["consequences"] == {"error_envelope": 2}


def test_an_envelope_broken_on_a_documented_status_stays_its_own_problem():
    """The 422 is undocumented on /a; the 400 on /a and the 422 on /b (where status_code found nothing) are the
    envelope's own."""
    problems = group(
        [
            finding("status_code", "POST /a", "status:422", 422),
            finding("error_envelope", "POST /a", "schema:body:required:message", 400),
            finding("error_envelope", "POST /b", "schema:body:required:message", 422),
        ],
        2,
    )
    assert sorted(p["check"] for p in problems) == ["error_envelope", "status_code"]
    envelope = next(p for p in problems if p["check"] == "error_envelope")
    assert envelope["operations"] == ["POST /a", "POST /b"] and envelope["consequences"] == {}


def test_a_leak_without_authentication_is_the_missing_authentication():
    problems = group(
        [
            finding("auth_missing_rejected", "GET /a/{id}", "missing:200", 200),
            finding("auth_invalid_rejected", "GET /a/{id}", "expired-JWT:200", 200),
            finding("tenant_isolation", "GET /a/{id}", "read:200", 200),
        ],
        1,
    )
    assert [p["check"] for p in problems] == ["auth_missing_rejected"]
    assert problems[0]["consequences"] == {"auth_invalid_rejected": 1, "tenant_isolation": 1}


def test_a_leak_with_authentication_enforced_is_critical_on_its_own():
    problems = group(
        [
            finding("auth_missing_rejected", "GET /b", "missing:200", 200),  # another operation open
            finding("auth_invalid_rejected", "GET /a/{id}", "wrongly-signed-JWT:200", 200),
            finding("tenant_isolation", "GET /a/{id}", "read:200", 200),
        ],
        2,
    )
    assert sorted(p["check"] for p in problems) == [
        "auth_invalid_rejected",
        "auth_missing_rejected",
        "tenant_isolation",
    ]
    assert all(p["severity"] == "critical" for p in problems)
