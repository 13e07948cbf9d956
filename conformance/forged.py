"""Tokens a server must refuse, forged from a real one's claims (so only the signature or the expiry is wrong):
a malformed, a wrongly signed, an unsigned (alg none) and an expired JWT."""

from __future__ import annotations

import secrets
import time

import jwt

_NOBODY = {"customer_id": "00000000-0000-0000-0000-000000000000"}


def claims(token: str | None) -> dict[str, object]:
    """A JWT's claims, unverified; a customer of nobody's where it has none to read."""
    if token:
        try:
            found = jwt.decode(token, options={"verify_signature": False})
            if isinstance(found, dict):
                return found
        except jwt.PyJWTError:
            pass
    return dict(_NOBODY)


def forged_jwts(token: str | None, expired_token: str | None = None) -> tuple[tuple[str, str], ...]:
    """(name, value) of each forged JWT; `expired_token`, a correctly signed expired one, where the target gave one."""
    found, now, key = claims(token), int(time.time()), secrets.token_hex(32)
    expired = expired_token or jwt.encode({**found, "iat": now - 7200, "exp": now - 3600}, key, algorithm="HS256")
    return (
        ("malformed JWT", "not.a.jwt"),
        ("wrongly signed JWT", jwt.encode({**found, "exp": now + 3600}, key, algorithm="HS256")),
        ("unsigned JWT (alg none)", jwt.encode({**found, "exp": now + 3600}, "", algorithm="none")),
        ("expired JWT", expired),
    )
