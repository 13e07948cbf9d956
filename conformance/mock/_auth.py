"""The mock's two customers and their credentials (HS256 JWTs by PyJWT with an expiry, random accesskeys), and
how a request is authenticated."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

from conformance.mock._wire import Reject
from conformance.mock.faults import F
from conformance.profiles import AuthMechanism, Profile

TOKEN_LIFETIME_S = 7 * 24 * 3600  # quickstart_authentication: "The token will be valid for 7 days."


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    token: str
    accesskey: str


class Authority:
    def __init__(
        self,
        seed: int,
        *,
        token: str | None = None,
        accesskey: str | None = None,
        other_token: str | None = None,
    ) -> None:
        self.secret = secrets.token_hex(32)
        rng = random.Random(f"customers:{seed}")
        ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in (1, 2)]
        self.customers = (
            Customer(ids[0], "customer", token or self.issue(ids[0]), accesskey or secrets.token_urlsafe(16)),
            Customer(ids[1], "other", other_token or self.issue(ids[1]), secrets.token_urlsafe(16)),
        )
        self._verbatim = {c.token: c for c in self.customers}
        self._accesskeys = {c.accesskey: c for c in self.customers}
        self._by_id = {c.id: c for c in self.customers}

    def issue(self, customer_id: str, *, expired: bool = False) -> str:
        now = int(time.time())
        exp = now - 3600 if expired else now + TOKEN_LIFETIME_S
        return jwt.encode(
            {"customer_id": customer_id, "iat": now - (7200 if expired else 0), "exp": exp},
            self.secret,
            algorithm="HS256",
        )

    def by_token(self, token: str, *, verify_exp: bool = True) -> Customer | None:
        if token in self._verbatim:
            return self._verbatim[token]
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"verify_exp": verify_exp, "require": ["exp"]}
            )
        except jwt.PyJWTError:
            return None
        return self._by_id.get(str(claims.get("customer_id")))

    def by_accesskey(self, key: str) -> Customer | None:
        return self._accesskeys.get(key)


def cookies(header: str) -> dict[str, str]:
    """`a=1; b=2` as the live server's cookie parser (Go's net/http) reads it: the first of a repeated name."""
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def authenticate(
    authority: Authority, profile: Profile, faults: frozenset[F], headers: dict[str, str], query: dict[str, list[str]]
) -> Customer | None:
    """The customer whose credential the request carries, tried in the profile's (the live server's) order.
    None when nothing was presented; Reject 401 when something was presented and none of it is valid."""
    presented = False
    for mechanism in profile.auth_mechanisms:
        if F.COOKIES_IGNORED in faults and mechanism.location == "cookie":
            continue  # a server that reads no cookie: one there is not presented at all
        value = _presented(mechanism, headers, query)
        if value is None:
            continue
        presented = True
        if value is _MALFORMED:
            continue
        if _unverified_cookie(faults, mechanism) and value:
            return authority.customers[0]
        customer = _check(authority, faults, mechanism.credential, value, mechanism.location == "header")
        if customer is not None:
            return customer
    if presented:
        raise Reject(401, "INVALID_CREDENTIALS", "the token or access key is invalid or expired")
    return None


_MALFORMED = "\x00malformed"  # a header present without the mechanism's prefix ("Basic …" for a Bearer)


def _presented(mechanism: AuthMechanism, headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
    if mechanism.location == "header":
        raw = headers.get(mechanism.name.lower())
        prefix = mechanism.template.split("{value}")[0]
        if raw is None:
            return None
        return raw[len(prefix) :] if raw.startswith(prefix) else _MALFORMED
    if mechanism.location == "cookie":
        return cookies(headers.get("cookie", "")).get(mechanism.name)
    values = query.get(mechanism.name)
    return values[0] if values else None


def _unverified_cookie(faults: frozenset[F], mechanism: AuthMechanism) -> bool:
    return F.TOKEN_COOKIE_UNVERIFIED in faults and mechanism.location == "cookie" and mechanism.credential == "token"


def _check(authority: Authority, faults: frozenset[F], kind: str, value: str, bearer: bool) -> Customer | None:
    if kind == "accesskey":
        return None if F.ACCESSKEY_IGNORED in faults else authority.by_accesskey(value)
    if bearer and value and F.ANY_BEARER_ACCEPTED in faults:
        return authority.customers[0]
    return authority.by_token(value, verify_exp=F.EXPIRED_JWT_ACCEPTED not in faults)
