"""The forged JWTs keep the real token's claims and break exactly one thing each."""

from __future__ import annotations

import time

import jwt
import pytest

from conformance.forged import claims, forged_jwts

SECRET = "the-server-secret-of-at-least-32-bytes"
REAL = jwt.encode({"customer_id": "c-1", "exp": int(time.time()) + 600}, SECRET, algorithm="HS256")


def test_each_forged_jwt_carries_the_real_claims_and_fails_verification():
    forged = dict(forged_jwts(REAL))
    assert set(forged) == {"malformed JWT", "wrongly signed JWT", "unsigned JWT (alg none)", "expired JWT"}
    for name in ("wrongly signed JWT", "unsigned JWT (alg none)", "expired JWT"):
        assert claims(forged[name])["customer_id"] == "c-1"
        with pytest.raises(jwt.PyJWTError):
            jwt.decode(forged[name], SECRET, algorithms=["HS256"])
    assert claims(forged["expired JWT"])["exp"] < time.time()


def test_a_real_expired_token_is_used_as_given_and_no_token_still_forges():
    assert dict(forged_jwts(REAL, "given.expired.token"))["expired JWT"] == "given.expired.token"
    assert (
        claims(dict(forged_jwts(None))["wrongly signed JWT"])["customer_id"] == "00000000-0000-0000-0000-000000000000"
    )
