"""Before any test: a selection that selects something, a target that answers over TLS the client trusts, and
credentials of each customer that the target accepts. Each failure is one line and exit 2."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import requests

from conformance.checks import Auth, Credentials
from conformance.client.bounded import RunBudgetSpent, TooLarge
from conformance.client.tls import INSECURE
from conformance.client.tls import failure as tls_failure
from conformance.engine.runtime import Runtime
from conformance.errors import SetupError


def require_selection(runtime: Runtime) -> None:
    """A run that selects nothing tests nothing, and must not pass: a typo in a CI filter would go green."""
    if runtime.operations:
        return
    config = runtime.config
    chosen = [f"--include {config.include!r}"] if config.include else []
    chosen += [f"--exclude {config.exclude!r}"] if config.exclude else []
    chosen += [f"--shard {config.shard}"] if config.shard else []
    total = len(runtime.spec.shape.operations)
    raise SetupError(
        f"no operation selected: {' '.join(chosen) or 'the spec'} leaves 0 of {total} operations",
        "check the filter against 'METHOD /path' labels, e.g. --include '^GET /calls'",
    )


def preflight(runtime: Runtime) -> None:
    """Before any test: the target answers, over TLS that the client trusts, and the credentials of each customer
    are not refused (a stored second customer's JWT expires after 7 days like the first's: after a week every
    isolation probe would read 401)."""
    if runtime.config.insecure and runtime.base_url.lower().startswith("https://"):
        sys.stderr.write(f"voipbin-conformance: WARNING: {INSECURE}.\n")
    # A list of the selection first: a target serving only what --include chose has no other list to answer.
    lists = runtime.list_operations + runtime.spec.shape.list_operations
    candidates: list[Any] = list(dict.fromkeys(op for op in lists if "{" not in op.path))[:_TRIED] or [None]
    customers = [("customer", "VOIPBIN_TOKEN / VOIPBIN_ACCESSKEY (or VOIPBIN_USERNAME / VOIPBIN_PASSWORD)")]
    if runtime.credentials.other_token:
        _distinct_customers(runtime.credentials)
        customers.append(("other", "VOIPBIN_OTHER_TOKEN (or VOIPBIN_OTHER_USERNAME / VOIPBIN_OTHER_PASSWORD)"))
    probe, response = _answering(runtime, candidates)  # one operation hanging is the tests' to report, not the end
    url = runtime.base_url + (probe.path if probe else "/")
    for who, variables in customers:
        response = response if who == "customer" else _first_request(runtime, url, Auth(who=who))
        if response is None:
            return  # it answered, with a body over the cap: the tests will report it
        if probe is not None and response.status_code == runtime.profile.unauthenticated_status:
            whose = "the given credentials" if who == "customer" else "the second customer's credentials"
            raise SetupError(
                f"the target rejected {whose} ({response.status_code} on GET {probe.path})",
                f"check {variables}; tokens expire after 7 days, a login does not",
            )
        if probe is not None and response.status_code == 404 and who == "customer":
            # A list with no path parameter never names a missing resource: the operations are elsewhere.
            prefix = runtime.spec.base_path or "/"
            raise SetupError(
                f"the target answered 404 to GET {url} with valid credentials: its operations are not there",
                f"check --base-url: the spec serves them under {prefix}, e.g. https://api.voipbin.net{prefix}",
            )


_TRIED = 3  # list operations asked before the target counts as not answering


def _answering(runtime: Runtime, candidates: list[Any]) -> tuple[Any, requests.Response | None]:
    """The first of `candidates` (list operations, or None for the API's root) the target answers in time, and its
    answer; the last one's silence is the SetupError."""
    for probe in candidates[:-1]:
        with contextlib.suppress(_Silent):
            return probe, _first_request(runtime, runtime.base_url + (probe.path if probe else "/"), Auth())
    last = candidates[-1]
    return last, _first_request(runtime, runtime.base_url + (last.path if last else "/"), Auth())


class _Silent(SetupError):
    """The target did not answer the preflight's request in time."""


def _first_request(runtime: Runtime, url: str, auth: Auth) -> requests.Response | None:
    """One GET with `auth`'s credentials placed as every request of the run places them; None for an answer
    over the body cap."""
    headers, params = runtime.headers_for(auth), dict[str, Any]()
    runtime.apply_auth(auth, headers, params)
    try:
        # Not redirected: a redirect to another origin would carry the credentials there.
        return runtime.session.get(
            url, headers=headers, params=params, timeout=runtime.config.request_timeout, allow_redirects=False
        )
    except requests.Timeout:
        raise _Silent(
            f"target {runtime.target_label} did not answer within {runtime.config.request_timeout:g}s",
            "check --base-url, or raise --request-timeout",
        ) from None
    except TooLarge:
        return None
    except RunBudgetSpent as exc:
        if "--max-requests" in str(exc):
            raise _requests_spent(runtime) from None
        raise SetupError(
            f"--max-time ran out before the target answered the first request ({runtime.session.waited_s:g}s of "
            "429 Retry-After waits)",
            "raise --max-time, or try again when the target is less busy",
        ) from None
    except requests.RequestException as exc:
        reason = type(exc).__name__
        unreachable = SetupError(
            f"target {runtime.target_label} is unreachable ({reason})", "check --base-url and that the API is up"
        )
        raise (tls_failure(exc) or unreachable) from None


def _requests_spent(runtime: Runtime) -> SetupError:
    """--max-requests spent on the preflight itself (a request for each customer's credentials): say so, not
    --max-time's words."""
    config = runtime.config
    share = f", {max(1, (config.max_requests or 0) // config.workers)} per worker" if config.workers > 1 else ""
    return SetupError(
        f"--max-requests {config.max_requests}{share} is spent before the run starts: checking the target takes "
        "one request for each customer's credentials",
        "raise --max-requests",
    )


def _distinct_customers(credentials: Credentials) -> None:
    """The second customer must be another customer: the same one twice would make every isolation probe read its
    own resources and report a breach."""
    import jwt

    def customer_of(token: str | None) -> object:
        try:
            return jwt.decode(token or "", options={"verify_signature": False}).get("customer_id")
        except (jwt.PyJWTError, AttributeError):
            return None

    first, second = customer_of(credentials.token), customer_of(credentials.other_token)
    if credentials.token == credentials.other_token or (first is not None and first == second):
        raise SetupError(
            "the second customer's credentials belong to the first customer",
            "tenant_isolation needs another customer: set VOIPBIN_OTHER_TOKEN or VOIPBIN_OTHER_USERNAME to one",
        )
