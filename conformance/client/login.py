"""Logging in at start (POST /auth/login at the host root) for a fresh JWT, so a nightly job never runs on a token
that expired after its 7 days."""

from __future__ import annotations

import requests

from conformance.client.bounded import RunBudgetSpent, TooLarge
from conformance.client.tls import failure as tls_failure
from conformance.client.transport import PoliteSession
from conformance.config import Config
from conformance.errors import SetupError
from conformance.options import plausible_credential


def login_url(base_url: str) -> str:
    """POST /auth/login is served at the host root, not under the API's /v1.0 (auth_overview-2026-08-22)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/auth/login"


def login(session: PoliteSession, config: Config, username: str | None, password: str | None) -> str:
    """A fresh 7-day JWT from a username and password, so a nightly job never runs on an expired token."""
    url = login_url(config.base_url or "")
    try:
        response = session.post(
            url,
            json={"username": username, "password": password},
            headers=dict(config.extra_headers),  # a gateway in front refuses the login without its header too
            timeout=config.request_timeout,
            allow_redirects=False,
        )
    except (requests.RequestException, TooLarge, RunBudgetSpent) as exc:
        failed = tls_failure(exc) or SetupError(f"could not log in at {url}: {type(exc).__name__}", "check --base-url")
        raise failed from None
    try:
        token = response.json().get("token")
    except (ValueError, AttributeError):
        token = None
    if response.status_code != 200 or not isinstance(token, str) or not token:
        which = "VOIPBIN_USERNAME / VOIPBIN_PASSWORD"
        if username == config.other_username and username != config.username:
            which = "VOIPBIN_OTHER_USERNAME / VOIPBIN_OTHER_PASSWORD"
        html = "html" in response.headers.get("Content-Type", "").lower()  # not the API's answer: its gateway's
        raise SetupError(
            f"the target refused the login of {username!r} ({response.status_code} on POST {url})",
            "a gateway answered: pass the header it wants with -H 'Name: value'" if html else f"check {which}",
        )
    return plausible_credential(token, f"the token the login of {username!r} answered")
