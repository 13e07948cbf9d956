"""The mock's two customers and their credentials: HS256 JWTs (PyJWT) with an expiry, and random accesskeys."""

from __future__ import annotations

import random
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt

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
        other_accesskey: str | None = None,
    ) -> None:
        self.secret = secrets.token_hex(32)
        rng = random.Random(f"customers:{seed}")
        ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in (1, 2)]
        self.customers = (
            Customer(ids[0], "customer", token or self.issue(ids[0]), accesskey or secrets.token_urlsafe(16)),
            Customer(ids[1], "other", other_token or self.issue(ids[1]), other_accesskey or secrets.token_urlsafe(16)),
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
